// The results bar under the toolbar: show/hide figures, which version's live stats, and the
// "Simulate" form whose run's figures replace the live ones (clearly labelled) until the user goes
// back to live stats.
import { type FormEvent, useState } from "react";

import { t } from "./i18n";
import { DEFAULT_FORM, type SimulationForm } from "./simulation";
import { percent, versionChoices } from "./stats";
import "./styles/results.css";
import type { Results } from "./useResults";

export function ResultsBar({ results }: { results: Results }) {
  const [formOpen, setFormOpen] = useState(false);
  const { shown, source, stats, simulation } = results;
  const versions = stats ? versionChoices(stats) : [];
  const running = simulation.kind === "running";
  const shownVersion = stats?.versions.find((version) => version.version === results.version);
  return (
    <>
      <section className="tf-results" aria-label={t("Results")} data-testid="results">
        <label>
          <input type="checkbox" checked={shown} onChange={(event) => results.setShown(event.target.checked)} />{" "}
          {t("Show figures")}
        </label>
        {source === "live" ? (
          <>
            <span className="tf-results__source" data-testid="results-source">
              {t("Live stats")}
            </span>
            {versions.length > 1 ? (
              <label>
                {t("Version")}{" "}
                <select
                  value={results.version ?? ""}
                  onChange={(event) => results.chooseVersion(Number(event.target.value))}
                  aria-label={t("Version")}
                >
                  {versions.map((version) => (
                    <option key={version} value={version}>
                      {t("v%(number)s", { number: version })}
                    </option>
                  ))}
                </select>
              </label>
            ) : (
              results.version !== null && <span>{t("v%(number)s", { number: results.version })}</span>
            )}
            {stats && !versions.length && (
              <span className="tf-results__muted">{t("No published version yet: nothing has run.")}</span>
            )}
            {shownVersion && (
              <span className="tf-results__muted">
                {t("%(enrollments)s enrolled, %(converted)s converted (%(rate)s)", {
                  enrollments: shownVersion.enrollments,
                  converted: shownVersion.conversions.count,
                  rate: percent(shownVersion.enrollments ? shownVersion.conversions.rate : null),
                })}
              </span>
            )}
            {results.statsProblem && (
              <span role="alert">{t("Stats could not be loaded (%(status)s).", { status: results.statsProblem })}</span>
            )}
          </>
        ) : (
          simulation.kind === "done" && (
            <>
              <span className="tf-results__source tf-results__source--simulation" data-testid="results-source">
                {t("Simulation (not real data)")}
              </span>
              <span className="tf-results__muted">
                {t("%(entered)s of %(population)s simulated contacts entered, %(converted)s converted", {
                  entered: simulation.run.result?.entered ?? 0,
                  population: simulation.run.result?.population ?? 0,
                  converted: simulation.run.result?.conversions.count ?? 0,
                })}
                {simulation.scriptedSends < simulation.sends &&
                  " " +
                    t("(opens and clicks scripted for the first %(scripted)s of %(sends)s send nodes)", {
                      scripted: simulation.scriptedSends,
                      sends: simulation.sends,
                    })}
                {simulation.run.result && !simulation.run.result.complete && " " + t("(stopped early: time or step budget)")}
              </span>
              <button type="button" onClick={results.showLive}>
                {t("Back to live stats")}
              </button>
            </>
          )
        )}
        <button type="button" onClick={() => setFormOpen(!formOpen)} aria-expanded={formOpen}>
          {t("Simulate…")}
        </button>
        {running && <span role="status">{t("Simulating…")}</span>}
        {simulation.kind === "failed" && (
          <span role="alert">{t("The simulation did not run (%(reason)s).", { reason: simulation.message })}</span>
        )}
      </section>
      {formOpen && (
        <SimulateForm
          versions={versions}
          running={running}
          onRun={(form) => {
            void results.simulate(form);
          }}
        />
      )}
    </>
  );
}

interface SimulateFormProps {
  versions: number[];
  running: boolean;
  onRun: (form: SimulationForm) => void;
}

function SimulateForm({ versions, running, onRun }: SimulateFormProps) {
  const [form, setForm] = useState<SimulationForm>(DEFAULT_FORM);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onRun(form);
  };
  const number = (key: "contacts" | "days") => (event: { target: { value: string } }) =>
    setForm({ ...form, [key]: Number(event.target.value) });
  const rate = (key: "openRate" | "clickRate") => (event: { target: { value: string } }) =>
    setForm({ ...form, [key]: Number(event.target.value) / 100 });
  return (
    <form className="tf-simulate" aria-label={t("Simulate")} onSubmit={submit}>
      <label>
        {t("Journey")}
        <select
          value={form.version ?? ""}
          onChange={(event) => setForm({ ...form, version: event.target.value ? Number(event.target.value) : null })}
        >
          <option value="">{t("Saved draft")}</option>
          {versions.map((version) => (
            <option key={version} value={version}>
              {t("v%(number)s", { number: version })}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("Contacts")}
        <input type="number" min={1} max={20000} required value={form.contacts} onChange={number("contacts")} />
      </label>
      <label>
        {t("Days")}
        <input type="number" min={1} max={90} required value={form.days} onChange={number("days")} />
      </label>
      <label>
        {t("Open rate %")}
        <input type="number" min={0} max={100} required value={Math.round(form.openRate * 100)} onChange={rate("openRate")} />
      </label>
      <label>
        {t("Click rate %")}
        <input type="number" min={0} max={100} required value={Math.round(form.clickRate * 100)} onChange={rate("clickRate")} />
      </label>
      <button type="submit" className="tf-primary" disabled={running}>
        {t("Run simulation")}
      </button>
      <span className="tf-help">{t("Runs the saved journey on made-up contacts: nothing is sent or stored.")}</span>
    </form>
  );
}
