/** The signed-in part of the app, split off so the login page never downloads Socket.IO. */
import { Layout } from "./components/Layout";
import { AccountProvider } from "./live/AccountContext";
import { LiveProvider } from "./live/LiveContext";

export default function Shell() {
  return (
    <LiveProvider>
      <AccountProvider>
        <Layout />
      </AccountProvider>
    </LiveProvider>
  );
}
