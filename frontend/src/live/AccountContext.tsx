/** The account, fetched once for the whole signed-in app and kept current by live events. */
import { createContext, useContext, type ReactNode } from "react";
import { api } from "../api/endpoints";
import type { Account } from "../api/types";
import { useResource, type Resource } from "../hooks/useResource";
import { useLiveEvent, useLiveReload } from "./LiveContext";

const AccountContext = createContext<Resource<Account> | null>(null);

export function AccountProvider({ children }: { children: ReactNode }) {
  const account = useResource(() => api.account());
  useLiveEvent("account", (next) => account.setData(next));
  useLiveReload(["fill"], account.reload);
  return <AccountContext.Provider value={account}>{children}</AccountContext.Provider>;
}

export function useAccount(): Resource<Account> {
  const value = useContext(AccountContext);
  if (!value) throw new Error("useAccount must be used inside <AccountProvider>");
  return value;
}
