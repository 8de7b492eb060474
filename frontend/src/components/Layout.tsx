/** The signed-in frame: header with data source and live link, navigation, the page. */
import { Suspense, useState } from "react";
import { NavLink, Outlet } from "react-router-dom";
import { useAuth } from "../auth/AuthContext";
import { useAccount } from "../live/AccountContext";
import { DataSourceBadge } from "./DataSourceBadge";
import { Loading } from "./Loading";
import { LinkIndicator } from "./LinkIndicator";

const NAV = [
  { to: "/", label: "Overview", end: true },
  { to: "/positions", label: "Positions" },
  { to: "/orders", label: "Orders" },
  { to: "/signals", label: "Signals" },
  { to: "/strategies", label: "Strategies" },
  { to: "/risk", label: "Risk" },
  { to: "/backtests", label: "Backtests" },
  { to: "/research", label: "Research" },
  { to: "/analytics", label: "Analytics" },
  { to: "/audit", label: "Audit" },
  { to: "/settings", label: "Settings" },
];

export function Layout() {
  const { logout } = useAuth();
  const account = useAccount();
  const [menuOpen, setMenuOpen] = useState(false);
  const source = account.data?.data_source;
  return (
    <div className={`shell ${source === "alpaca_live" ? "shell-live" : ""}`}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="btn small menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Menu
        </button>
        <span className="brand">Trading Bot</span>
        <DataSourceBadge source={source} />
        {account.data && (
          <span className={`market ${account.data.market_open ? "open" : "closed"}`} data-testid="market-state">
            Market {account.data.market_open ? "open" : "closed"}
          </span>
        )}
        <span className="spacer" />
        <LinkIndicator />
        <button type="button" className="btn small" onClick={() => logout("user")}>
          Log out
        </button>
      </header>
      <nav id="main-nav" className={`sidenav ${menuOpen ? "open" : ""}`} aria-label="Main">
        {NAV.map((item) => (
          <NavLink key={item.to} to={item.to} end={item.end} onClick={() => setMenuOpen(false)}>
            {item.label}
          </NavLink>
        ))}
      </nav>
      <main className="content" id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
