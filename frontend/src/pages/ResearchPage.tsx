/** Parameter search: grid or TPE over a strategy's numbers, walk-forward checked, best set one click from an instance. */
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { api } from "../api/endpoints";
import type { ApiError } from "../api/errors";
import type { Coverage, SearchJobOut, SearchIn, StrategyOut, Trial } from "../api/types";
import { LazyChart } from "../charts/LazyChart";
import { equitySeries } from "../charts/series";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorMessage } from "../components/ErrorMessage";
import { Field } from "../components/Field";
import { BarSizeField, CoverageSelect, symbolList, type Picked } from "../components/HistoryPanel";
import { Loading } from "../components/Loading";
import { Pager } from "../components/Pager";
import { StrategySelect } from "../components/StrategySelect";
import { usePaging, type Paging } from "../hooks/usePaging";
import { asApiError, useResource } from "../hooks/useResource";

const POLL_MS = 1000;
const TRIALS_PAGE = 50;
const OBJECTIVES = ["sharpe", "sortino", "calmar", "total_return"] as const;

/** The numeric parameters of a strategy with a starting grid and range around each default. */
export function numericParams(strategy: StrategyOut): { name: string; values: string; low: string; high: string }[] {
  return Object.entries(strategy.params_schema.properties ?? {})
    .filter(([, p]) => p.type === "integer" || p.type === "number")
    .map(([name, p]) => {
      const base = Number(p.default ?? p.minimum ?? 1);
      const low = Math.max(p.minimum ?? 1, Math.round(base / 2));
      const high = Math.min(p.maximum ?? base * 3, Math.round(base * 3));
      return { name, values: [low, base, Math.round(base * 2)].join(", "), low: String(low), high: String(high) };
    });
}

const numbers = (text: string) => text.split(/[\s,]+/).filter(Boolean).map(Number);

/** Score per (x, y) of the first two parameters: the best trial for each cell. */
export function heatmap(trials: Trial[], x: string, y: string) {
  const xs = [...new Set(trials.map((t) => Number(t.params[x])))].sort((a, b) => a - b);
  const ys = [...new Set(trials.map((t) => Number(t.params[y])))].sort((a, b) => a - b);
  const cell = new Map<string, number | null>();
  for (const t of trials) {
    const key = `${t.params[x]}|${t.params[y]}`;
    const seen = cell.get(key);
    if (seen === undefined || (t.score !== null && (seen === null || t.score > seen))) cell.set(key, t.score);
  }
  return { xs, ys, at: (a: number, b: number) => cell.get(`${a}|${b}`) ?? null };
}

function Heatmap({ trials, x, y }: { trials: Trial[]; x: string; y: string }) {
  const map = useMemo(() => heatmap(trials, x, y), [trials, x, y]);
  const scores = trials.map((t) => t.score).filter((s): s is number => s !== null);
  const [lo, hi] = [Math.min(...scores), Math.max(...scores)];
  return (
    <div className="table-wrap">
      <table aria-label="Parameter heatmap" className="heatmap">
        <thead>
          <tr>
            <th>
              {y} \ {x}
            </th>
            {map.xs.map((a) => (
              <th key={a}>{a}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {map.ys.map((b) => (
            <tr key={b}>
              <th>{b}</th>
              {map.xs.map((a) => {
                const s = map.at(a, b);
                const share = s === null || hi === lo ? 0 : (s - lo) / (hi - lo);
                return (
                  <td key={a} className="num" style={{ background: s === null ? undefined : `hsla(${Math.round(120 * share)}, 60%, 40%, 0.6)` }}>
                    {s === null ? "—" : s.toFixed(2)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type Fold = NonNullable<SearchJobOut["walk_forward"]>["folds"][number];

const score = (value: number | null | undefined) => value?.toFixed(3) ?? "—";
const percent = (value: unknown) => (typeof value === "number" ? `${(value * 100).toFixed(2)}%` : "—");

const FOLD_COLUMNS: Column<Fold>[] = [
  { key: "in", header: "In-sample", cell: (f) => f.in_sample.join(" – ") },
  { key: "out", header: "Out-of-sample", cell: (f) => f.out_of_sample.join(" – ") },
  { key: "params", header: "Parameters", cell: (f) => JSON.stringify(f.params) },
  { key: "in_score", header: "In-sample score", align: "num", cell: (f) => score(f.in_score) },
  { key: "out_score", header: "Out-of-sample score", align: "num", cell: (f) => score(f.out_score) },
];

/** One column per searched parameter, then the trial's outcome. */
const trialColumns = (names: string[]): Column<Trial>[] => [
  ...names.map((n): Column<Trial> => ({ key: `param-${n}`, header: n, cell: (t) => String(t.params[n]) })),
  { key: "score", header: "Score", align: "num", cell: (t) => score(t.score) },
  { key: "return", header: "Return", align: "num", cell: (t) => percent(t.metrics.total_return) },
  { key: "dd", header: "Max drawdown", align: "num", cell: (t) => percent(t.metrics.max_drawdown) },
  { key: "note", header: "Note", className: "muted", cell: (t) => t.error ?? "" },
];

function Results({ job, strategy, searched, paging }: { job: SearchJobOut; strategy: string; searched: string; paging: Paging<never> }) {
  const [symbol, setSymbol] = useState(searched);
  const [made, setMade] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const all = job.trials ?? [];
  const trials = [...all].sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity));
  const [x, y] = Object.keys(all[0]?.params ?? {});
  const names = Object.keys(all[0]?.params ?? {});
  const wf = job.walk_forward;
  const curve = useMemo(() => equitySeries((wf?.equity ?? []).map(([time, equity]) => ({ time, equity }))), [wf]);

  async function createInstance() {
    if (!job.best) return;
    setError(null);
    try {
      const row = await api.addInstance({ strategy, symbol: symbol.trim().toUpperCase(), params: job.best.params, enabled: false, allow_short: false });
      setMade(`Instance ${row.id} created, disabled: enable it on the Strategies page.`);
    } catch (err) {
      setError(asApiError(err));
    }
  }

  return (
    <>
      {job.best && (
        <section className="card" aria-labelledby="search-best">
          <h2 id="search-best">Best parameters</h2>
          <p data-testid="search-best">
            {Object.entries(job.best.params)
              .map(([k, v]) => `${k} = ${String(v)}`)
              .join(", ")}{" "}
            (score {job.best.score?.toFixed(3)})
          </p>
          <div className="form-grid">
            <Field id="search-symbol" label="Instance symbol">
              {(aria) => <input {...aria} value={symbol} onChange={(e) => setSymbol(e.target.value)} autoComplete="off" />}
            </Field>
          </div>
          <div className="form-actions">
            <button type="button" className="btn" onClick={() => void createInstance()}>
              Create instance (disabled)
            </button>
          </div>
          {made && <p role="status">{made}</p>}
          <ErrorMessage error={error} />
        </section>
      )}
      {wf && (
        <section className="card" aria-labelledby="search-wf">
          <h2 id="search-wf">Walk-forward</h2>
          {wf.diverges && (
            <div className="error" role="alert">
              Out-of-sample results fall well short of in-sample ones: the chosen parameters are probably overfit.
            </div>
          )}
          <p data-testid="walk-forward-scores">
            In-sample {score(wf.in_score)} vs out-of-sample {score(wf.out_score)}
          </p>
          <DataTable label="Walk-forward folds" columns={FOLD_COLUMNS} rows={wf.folds} rowKey={(f) => f.in_sample[0]} empty="No folds." />
          {curve.length > 0 && <LazyChart line={curve} label="Out-of-sample equity, stitched" height={220} />}
        </section>
      )}
      {x && y && (
        <section className="card" aria-labelledby="search-heat">
          <h2 id="search-heat">
            {x} × {y}
          </h2>
          <Heatmap trials={all} x={x} y={y} />
        </section>
      )}
      <section className="card" aria-labelledby="search-trials">
        <h2 id="search-trials">Trials ({all.length})</h2>
        <DataTable label="Search trials" columns={trialColumns(names)} rows={paging.slice(trials)} rowKey={(_, i) => paging.offset + i} empty="No trials." />
        <Pager paging={paging} total={trials.length} shown={paging.slice(trials).length} label="trials" />
      </section>
    </>
  );
}

const NO_RANGE: Picked = { symbols: "", start: "", end: "", timeframe: "1Day", adjustment: "all" };

/** The bars a search runs on: the simulated market, or symbols and days from the history cache. */
export function searchData(source: "simulated" | "history", range: Picked): SearchIn["data"] {
  if (source === "simulated") return undefined;
  const { symbols, start, end, timeframe, adjustment } = range;
  return { source: "history", symbols: symbolList(symbols), start, end, timeframe, adjustment };
}

function SearchForm({ strategies, coverage, onStarted }: { strategies: StrategyOut[]; coverage: Coverage[]; onStarted: (job: SearchJobOut, strategy: string, symbol: string) => void }) {
  const [name, setName] = useState(strategies[0]?.name ?? "");
  const strategy = strategies.find((s) => s.name === name);
  const [params, setParams] = useState(() => (strategy ? numericParams(strategy) : []));
  const [method, setMethod] = useState<"grid" | "tpe">("grid");
  const [objective, setObjective] = useState<(typeof OBJECTIVES)[number]>("sharpe");
  const [maxDrawdown, setMaxDrawdown] = useState("");
  const [trials, setTrials] = useState("30");
  const [walk, setWalk] = useState(true);
  const [folds, setFolds] = useState("3");
  const [source, setSource] = useState<"simulated" | "history">("simulated");
  const [range, setRange] = useState<Picked>(NO_RANGE);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  function choose(next: string) {
    setName(next);
    const chosen = strategies.find((s) => s.name === next);
    setParams(chosen ? numericParams(chosen) : []);
  }
  const edit = (i: number, key: "values" | "low" | "high", value: string) => setParams(params.map((p, j) => (i === j ? { ...p, [key]: value } : p)));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    const body: SearchIn = {
      strategy: name,
      method,
      objective,
      max_drawdown: maxDrawdown ? Number(maxDrawdown) / 100 : null,
      grid: Object.fromEntries(params.map((p) => [p.name, numbers(p.values)])),
      ranges: Object.fromEntries(params.map((p) => [p.name, [Number(p.low), Number(p.high)]])),
      trials: Number(trials),
      walk_forward: walk ? { folds: Number(folds), in_sample_share: 0.75 } : null,
      data: searchData(source, range),
    };
    try {
      onStarted(await api.startSearch(body), name, (source === "history" && symbolList(range.symbols)[0]) || "SIMA");
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={submit} noValidate aria-label="Parameter search">
      <h2>New search</h2>
      <div className="form-grid">
        <Field id="search-source" label="Bars from">
          {(aria) => (
            <select {...aria} value={source} onChange={(e) => setSource(e.target.value as "simulated" | "history")}>
              <option value="simulated">Simulated market (SIMA, 2,000 hourly bars)</option>
              <option value="history">Cached history</option>
            </select>
          )}
        </Field>
        {source === "history" && (
          <>
            <CoverageSelect id="search-cached" coverage={coverage} onPick={setRange} />
            <Field id="search-symbols" label="Symbols" hint="Comma-separated, from the history cache">
              {(aria) => <input {...aria} value={range.symbols} onChange={(e) => setRange({ ...range, symbols: e.target.value })} autoComplete="off" />}
            </Field>
            <Field id="search-start" label="From">
              {(aria) => <input {...aria} type="date" value={range.start} onChange={(e) => setRange({ ...range, start: e.target.value })} />}
            </Field>
            <Field id="search-end" label="Until" hint="The day after the last">
              {(aria) => <input {...aria} type="date" value={range.end} onChange={(e) => setRange({ ...range, end: e.target.value })} />}
            </Field>
            <BarSizeField id="search-timeframe" value={range.timeframe} onChange={(timeframe) => setRange({ ...range, timeframe })} />
          </>
        )}
      </div>
      <div className="form-grid">
        <StrategySelect id="search-strategy" strategies={strategies} value={name} onChange={choose} />
        <Field id="search-method" label="Method">
          {(aria) => (
            <select {...aria} value={method} onChange={(e) => setMethod(e.target.value as "grid" | "tpe")}>
              <option value="grid">Grid</option>
              <option value="tpe">Optuna TPE</option>
            </select>
          )}
        </Field>
        <Field id="search-objective" label="Objective">
          {(aria) => (
            <select {...aria} value={objective} onChange={(e) => setObjective(e.target.value as (typeof OBJECTIVES)[number])}>
              {OBJECTIVES.map((o) => (
                <option key={o} value={o}>
                  {o.replace("_", " ")}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="search-max-dd" label="Max drawdown %" hint="Empty: no cap">
          {(aria) => <input {...aria} type="number" min={1} max={100} value={maxDrawdown} onChange={(e) => setMaxDrawdown(e.target.value)} />}
        </Field>
        {method === "tpe" && (
          <Field id="search-trials-count" label="Trials">
            {(aria) => <input {...aria} type="number" min={1} value={trials} onChange={(e) => setTrials(e.target.value)} />}
          </Field>
        )}
      </div>
      <fieldset className="params">
        <legend>{method === "grid" ? "Values to try" : "Ranges"}</legend>
        <div className="form-grid">
          {params.map((p, i) =>
            method === "grid" ? (
              <Field key={p.name} id={`search-grid-${p.name}`} label={p.name}>
                {(aria) => <input {...aria} value={p.values} onChange={(e) => edit(i, "values", e.target.value)} />}
              </Field>
            ) : (
              <div key={p.name} className="field">
                <label htmlFor={`search-low-${p.name}`}>{p.name} from</label>
                <input id={`search-low-${p.name}`} type="number" value={p.low} onChange={(e) => edit(i, "low", e.target.value)} />
                <label htmlFor={`search-high-${p.name}`}>{p.name} to</label>
                <input id={`search-high-${p.name}`} type="number" value={p.high} onChange={(e) => edit(i, "high", e.target.value)} />
              </div>
            ),
          )}
        </div>
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={walk} onChange={(e) => setWalk(e.target.checked)} />
        Walk-forward validation
      </label>
      {walk && (
        <Field id="search-folds" label="Folds">
          {(aria) => <input {...aria} type="number" min={1} max={12} value={folds} onChange={(e) => setFolds(e.target.value)} />}
        </Field>
      )}
      <ErrorMessage error={error} />
      <div className="form-actions">
        <button type="submit" className="btn primary" disabled={busy || !strategy}>
          {busy ? "Starting…" : "Start search"}
        </button>
      </div>
    </form>
  );
}

export default function ResearchPage() {
  const strategies = useResource(() => api.strategies());
  const coverage = useResource(() => api.coverage());
  const [job, setJob] = useState<SearchJobOut | null>(null);
  const [strategy, setStrategy] = useState("");
  const [searched, setSearched] = useState("SIMA");
  const [pollError, setPollError] = useState<ApiError | null>(null);
  const running = job !== null && (job.status === "queued" || job.status === "running");
  const trials = usePaging({ pageSize: TRIALS_PAGE });

  useEffect(() => {
    if (!job || !running) return;
    const timer = window.setTimeout(() => {
      api.search(job.id).then(setJob, (err: unknown) => setPollError(asApiError(err)));
    }, POLL_MS);
    return () => window.clearTimeout(timer);
  }, [job, running]);

  return (
    <div className="page">
      <h1>Research</h1>
      <ErrorMessage error={strategies.error} onRetry={strategies.reload} />
      {!strategies.data && strategies.loading && <Loading />}
      {strategies.data && strategies.data.length > 0 && (
        <SearchForm
          strategies={strategies.data}
          coverage={coverage.data ?? []}
          onStarted={(started, name, symbol) => {
            setSearched(symbol);
            if (trials.offset) trials.goTo(0);
            setStrategy(name);
            setPollError(null);
            setJob(started);
          }}
        />
      )}
      {job && (
        <div aria-live="polite">
          <p>
            Search {job.id.slice(0, 8)}:{" "}
            <span className={`pill status-${job.status}`} data-testid="search-status">
              {job.status}
            </span>{" "}
            {job.total > 0 && (
              <progress max={job.total} value={job.done} aria-label="Search progress">
                {job.done}/{job.total}
              </progress>
            )}{" "}
            {running && (
              <button type="button" className="btn" onClick={() => void api.cancelSearch(job.id).then(setJob, (err: unknown) => setPollError(asApiError(err)))}>
                Cancel search
              </button>
            )}
          </p>
          <ErrorMessage error={pollError} />
          {job.error && (
            <div className="error" role="alert">
              {job.error}
            </div>
          )}
          {!running && <Results key={job.id} job={job} strategy={strategy} searched={searched} paging={trials} />}
        </div>
      )}
    </div>
  );
}
