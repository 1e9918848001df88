import { useId, useState } from "preact/hooks";

import { api } from "../api";
import { Card, Highlighted, Notice, ScoreBars } from "../components";
import { submitted, useAction } from "../hooks";
import { t } from "../i18n";
import type { TextRecord } from "../types";

export const MAX_TEXT = 10_000;

export function AnalyzePage() {
  const [text, setText] = useState("");
  const [result, setResult] = useState<TextRecord | null>(null);
  const action = useAction();
  const id = useId();

  const analyze = () =>
    action.run(async () => {
      setResult(await api<TextRecord>("POST", "/sentiment", { text, explain: true }));
    });

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (text.trim() && !action.busy) analyze();
    }
  };

  return (
    <div class="stack">
      <Card title={t("analyze.title")}>
        <form onSubmit={submitted(analyze)}>
          <div class="field">
            <label for={id}>{t("analyze.text")}</label>
            <textarea
              id={id}
              name="text"
              rows={6}
              maxLength={MAX_TEXT}
              required
              aria-describedby={`${id}-count`}
              value={text}
              onInput={(event) => setText(event.currentTarget.value)}
              onKeyDown={onKeyDown}
            />
            <small id={`${id}-count`} class="hint">
              {t("analyze.counter", { count: text.length, max: MAX_TEXT })} · {t("analyze.shortcut")}
            </small>
          </div>
          <Notice error={action.error} />
          <button type="submit" class="primary" disabled={action.busy || !text.trim()}>
            {t("analyze.submit")}
          </button>
        </form>
      </Card>
      {result && <Result result={result} />}
    </div>
  );
}

function Result({ result }: { result: TextRecord }) {
  return (
    <Card title={t("analyze.result")} class="result">
      <p class="verdict" aria-live="polite">
        <span class={`label label-${result.label}`} data-testid="label">
          {t(`label.${result.label}`)}
        </span>
        <span class="meta">
          {t("analyze.language")}: {t(`language.${result.language}`)} · {t("analyze.model")}:{" "}
          {result.model_version}
        </span>
      </p>
      <h3>{t("analyze.scores")}</h3>
      <ScoreBars scores={result.scores} />
      {result.explanation && (
        <>
          <h3>{t("analyze.words")}</h3>
          <Highlighted text={result.text} words={result.explanation} label={result.label} />
          <Legend neutral={result.label === "neutral"} />
        </>
      )}
    </Card>
  );
}

function Legend({ neutral }: { neutral: boolean }) {
  return (
    <p class="legend">
      {neutral ? (
        <mark class="tone-neutral">{t("analyze.legendNeutral")}</mark>
      ) : (
        <>
          <mark class="tone-positive">{t("analyze.legendPositive")}</mark>{" "}
          <mark class="tone-negative">{t("analyze.legendNegative")}</mark>
        </>
      )}{" "}
      <span class="hint">{t("analyze.legendNote")}</span>
    </p>
  );
}
