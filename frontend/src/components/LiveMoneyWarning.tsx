/** Said inside every order confirmation when orders go to a live Alpaca account. */
import { useAccount } from "../live/AccountContext";

export function LiveMoneyWarning() {
  const { data } = useAccount();
  if (data?.data_source !== "alpaca_live") return null;
  return (
    <p className="live-warning" role="alert">
      LIVE account: this order uses real money.
    </p>
  );
}
