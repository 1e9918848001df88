import { useEffect, useState } from "preact/hooks";

import { api } from "../api";
import { Field, Link, Notice, Pager, percent } from "../components";
import { submitted, useAction, useForm } from "../hooks";
import { formatDate, t } from "../i18n";
import { downloadResult } from "../jobs";
import { navigate, useLocation, withQuery } from "../router";
import type { Job, Page, TextRecord } from "../types";

type Tab = "texts" | "files";

const TABS: readonly Tab[] = ["texts", "files"];

const PAGE_SIZE = 10;

interface Filters {
  q: string;
  from: string;
  to: string;
}

export function HistoryPage() {
  const { query } = useLocation();
  const tab: Tab = query.get("tab") === "files" ? "files" : "texts";
  const filters: Filters = {
    q: query.get("q") ?? "",
    from: query.get("from") ?? "",
    to: query.get("to") ?? "",
  };
  const page = Math.max(1, Number(query.get("page")) || 1);

  const go = (changes: Partial<Filters & { tab: Tab; page: number }>) =>
    navigate(withQuery("/history", { tab, ...filters, page, ...changes }));
  const choose = (name: Tab) => go({ tab: name, q: "", from: "", to: "", page: 1 });

  // Arrow keys move between the tabs, as in any tab list.
  const onTabKey = (event: KeyboardEvent) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    const next = TABS[(TABS.indexOf(tab) + 1) % TABS.length];
    choose(next);
    requestAnimationFrame(() => document.getElementById(`tab-${next}`)?.focus());
  };

  return (
    <section class="card">
      <h1>{t("history.title")}</h1>
      <div class="tabs" role="tablist" aria-label={t("history.title")} onKeyDown={onTabKey}>
        {TABS.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            id={`tab-${name}`}
            aria-selected={tab === name}
            aria-controls="history-panel"
            tabIndex={tab === name ? 0 : -1}
            onClick={() => choose(name)}
          >
            {t(`history.${name}`)}
          </button>
        ))}
      </div>
      <div id="history-panel" role="tabpanel" aria-labelledby={`tab-${tab}`}>
        <FilterForm
          key={`${tab}:${filters.q}:${filters.from}:${filters.to}`}
          tab={tab}
          filters={filters}
          onApply={(next) => go({ ...next, page: 1 })}
        />
        {tab === "texts" ? (
          <TextsTable filters={filters} page={page} onPage={(next) => go({ page: next })} />
        ) : (
          <JobsTable filters={filters} page={page} onPage={(next) => go({ page: next })} />
        )}
      </div>
    </section>
  );
}

function FilterForm(props: { tab: Tab; filters: Filters; onApply: (filters: Filters) => void }) {
  const form = useForm({ ...props.filters });
  const searchLabel = props.tab === "texts" ? t("history.searchTexts") : t("history.searchFiles");

  return (
    <form class="filters" role="search" onSubmit={submitted(() => props.onApply(form.values))}>
      <Field label={searchLabel} type="search" {...form.bind("q")} />
      <Field label={t("common.from")} type="date" {...form.bind("from")} />
      <Field label={t("common.to")} type="date" {...form.bind("to")} />
      <div class="buttons">
        <button type="submit" class="primary">
          {t("common.search")}
        </button>
        <button type="button" onClick={() => props.onApply({ q: "", from: "", to: "" })}>
          {t("common.reset")}
        </button>
      </div>
      <small class="hint filters-hint">{t("history.utcHint")}</small>
    </form>
  );
}

/** One page of a history list, fetched again when the filters or page change. */
function usePage<T>(path: string, filters: Filters, page: number) {
  const [data, setData] = useState<Page<T> | null>(null);
  const [version, setVersion] = useState(0);
  const load = useAction();

  useEffect(() => {
    load.run(async () => {
      const query = {
        page,
        page_size: PAGE_SIZE,
        q: filters.q.trim(),
        // Whole days, both included, as the API counts them (in UTC).
        date_from: filters.from,
        date_to: filters.to,
      };
      setData(await api<Page<T>>("GET", path, undefined, { query }));
    });
  }, [path, filters.q, filters.from, filters.to, page, version]);

  return { data, error: load.error, reload: () => setVersion((value) => value + 1) };
}

interface TableProps {
  filters: Filters;
  page: number;
  onPage: (page: number) => void;
}

function TextsTable({ filters, page, onPage }: TableProps) {
  const { data, error, reload } = usePage<TextRecord>("/history/texts", filters, page);
  const remove = useAction();

  const deleteText = (item: TextRecord) => {
    if (!window.confirm(t("history.confirmText"))) return;
    remove.run(async () => {
      await api("DELETE", `/history/texts/${item.id}`);
      reload();
    });
  };

  return (
    <>
      <Notice error={error ?? remove.error} />
      {data && data.items.length === 0 && <p class="empty">{t("common.nothing")}</p>}
      {data && data.items.length > 0 && (
        <div class="table-wrap">
          <table class="history-texts">
            <thead>
              <tr>
                <th scope="col">{t("common.date")}</th>
                <th scope="col">{t("history.text")}</th>
                <th scope="col">{t("history.label")}</th>
                <th scope="col">
                  <span class="sr-only">{t("common.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((item) => (
                <tr key={item.id}>
                  <td data-label={t("common.date")} class="nowrap">{formatDate(item.created_at)}</td>
                  <td data-label={t("history.text")} class="text-cell">{item.text}</td>
                  <td data-label={t("history.label")}>
                    <span class={`label label-${item.label}`}>{t(`label.${item.label}`)}</span>
                    <small class="hint"> {percent(item.scores[item.label])}</small>
                  </td>
                  <td>
                    <button
                      type="button"
                      class="danger"
                      aria-label={`${t("common.delete")}: ${item.text.slice(0, 40)}`}
                      onClick={() => deleteText(item)}
                    >
                      {t("common.delete")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && data.total > 0 && (
        <Pager page={data.page} pageSize={data.page_size} total={data.total} onPage={onPage} />
      )}
    </>
  );
}

function JobsTable({ filters, page, onPage }: TableProps) {
  const { data, error, reload } = usePage<Job>("/jobs", filters, page);
  const action = useAction();

  const deleteJob = (job: Job) => {
    if (!window.confirm(t("history.confirmFile"))) return;
    action.run(async () => {
      await api("DELETE", `/jobs/${job.id}`);
      reload();
    });
  };

  return (
    <>
      <Notice error={error ?? action.error} />
      {data && data.items.length === 0 && <p class="empty">{t("common.nothing")}</p>}
      {data && data.items.length > 0 && (
        <div class="table-wrap">
          <table class="history-files">
            <thead>
              <tr>
                <th scope="col">{t("common.date")}</th>
                <th scope="col">{t("history.file")}</th>
                <th scope="col">{t("history.status")}</th>
                <th scope="col">{t("files.summary")}</th>
                <th scope="col">
                  <span class="sr-only">{t("common.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((job) => (
                <tr key={job.id}>
                  <td data-label={t("common.date")} class="nowrap">{formatDate(job.created_at)}</td>
                  <td data-label={t("history.file")}>
                    <Link href={withQuery("/files", { job: job.id })}>{job.file_name}</Link>
                    {job.column && <small class="hint"> · {job.column}</small>}
                  </td>
                  <td data-label={t("history.status")}>
                    <span class={`status status-${job.status}`}>{t(`status.${job.status}`)}</span>
                    {job.error && <small class="hint"> {job.error}</small>}
                  </td>
                  <td data-label={t("files.summary")} class="nowrap">
                    <span class="count-negative" title={t("label.negative")}>
                      − {job.summary.negative}
                    </span>{" "}
                    <span class="count-neutral" title={t("label.neutral")}>
                      ○ {job.summary.neutral}
                    </span>{" "}
                    <span class="count-positive" title={t("label.positive")}>
                      + {job.summary.positive}
                    </span>
                  </td>
                  <td class="buttons">
                    {job.status === "done" && (
                      <>
                        {(["xlsx", "csv"] as const).map((format) => (
                          <button
                            key={format}
                            type="button"
                            aria-label={`${t("files.download")} ${job.file_name} ${format}`}
                            onClick={() => action.run(() => downloadResult(job, format))}
                          >
                            {format.toUpperCase()}
                          </button>
                        ))}
                      </>
                    )}
                    <button
                      type="button"
                      class="danger"
                      aria-label={`${t("common.delete")} ${job.file_name}`}
                      onClick={() => deleteJob(job)}
                    >
                      {t("common.delete")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && data.total > 0 && (
        <Pager page={data.page} pageSize={data.page_size} total={data.total} onPage={onPage} />
      )}
    </>
  );
}
