import { useEffect, useId, useState } from "preact/hooks";

import { api, upload } from "../api";
import { suggestColumns } from "../columns";
import { Card, Field, Link, Notice, ProgressBar, SummaryChart } from "../components";
import { submitted, useAction } from "../hooks";
import { formatBytes, t } from "../i18n";
import { downloadResult, isFinished, pollDelay, type ResultFormat } from "../jobs";
import { navigate, useLocation, withQuery } from "../router";
import type { Job } from "../types";

export const MAX_UPLOAD = 50 * 1024 * 1024;

export function FilesPage() {
  const { query } = useLocation();
  const jobId = query.get("job");

  return (
    <div class="stack">
      {jobId ? <JobView key={jobId} id={jobId} /> : <UploadForm />}
    </div>
  );
}

function UploadForm() {
  const [file, setFile] = useState<File | null>(null);
  const [column, setColumn] = useState("");
  const [columns, setColumns] = useState<string[]>([]);
  const [sent, setSent] = useState<{ sent: number; total: number } | null>(null);
  const action = useAction();
  const fileId = useId();

  const pick = (picked: File | null) => {
    setFile(picked);
    setColumns([]);
    if (picked) suggestColumns(picked).then(setColumns, () => setColumns([]));
  };

  const start = () =>
    action.run(async () => {
      if (!file) throw new Error(t("files.chooseFile"));
      if (file.size > MAX_UPLOAD) throw new Error(t("files.tooLarge"));

      const form = new FormData();
      form.append("file", file, file.name);
      if (column.trim()) form.append("column", column.trim());
      setSent({ sent: 0, total: file.size });
      try {
        const job = await upload<Job>("POST", "/jobs", form, (done, total) =>
          setSent({ sent: done, total }),
        );
        navigate(withQuery("/files", { job: job.id }));
      } finally {
        setSent(null);
      }
    });

  return (
    <Card title={t("files.title")}>
      <p class="hint">{t("files.help")}</p>
      <form onSubmit={submitted(start)}>
        <div class="field">
          <label for={fileId}>{t("files.file")}</label>
          <input
            id={fileId}
            name="file"
            type="file"
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            required
            onChange={(event) => pick(event.currentTarget.files?.[0] ?? null)}
          />
        </div>
        <Field
          label={`${t("files.column")} (${t("common.optional")})`}
          hint={t("files.columnHint")}
          value={column}
          name="column"
          list={`${fileId}-columns`}
          autoComplete="off"
          onInput={(event) => setColumn(event.currentTarget.value)}
        />
        <datalist id={`${fileId}-columns`}>
          {columns.map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
        {sent && (
          <ProgressBar
            label={t("files.upload")}
            value={sent.sent}
            max={sent.total}
            text={t("files.uploaded", { sent: formatBytes(sent.sent), total: formatBytes(sent.total) })}
          />
        )}
        <Notice error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          {t("files.submit")}
        </button>
      </form>
      <p>
        <Link href={withQuery("/history", { tab: "files" })}>{t("files.all")}</Link>
      </p>
    </Card>
  );
}

function JobView({ id }: { id: string }) {
  const [job, setJob] = useState<Job | null>(null);
  const load = useAction();
  const download = useAction();

  useEffect(() => {
    let attempt = 0;
    let timer: number | undefined;
    let stopped = false;

    const poll = () =>
      load.run(async () => {
        const latest = await api<Job>("GET", `/jobs/${id}`);
        if (stopped) return;
        setJob(latest);
        if (!isFinished(latest)) timer = window.setTimeout(poll, pollDelay(attempt++));
      });
    poll();

    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [id]);

  const save = (format: ResultFormat) => job && download.run(() => downloadResult(job, format));

  return (
    <Card title={job ? job.file_name : t("files.job")} class="job">
      <Notice error={load.error} />
      {job && (
        <>
          <p class={`status status-${job.status}`} data-status={job.status} aria-live="polite">
            {t(`status.${job.status}`)}
          </p>
          {(job.status !== "failed" || job.progress.total > 0) && (
            <ProgressBar
              label={t("files.job")}
              value={job.progress.done}
              max={job.progress.total}
              text={t("files.rows", job.progress)}
            />
          )}
          {job.error && <Notice error={job.error} />}
          {job.status === "done" && (
            <>
              <h3>{t("files.summary")}</h3>
              <SummaryChart summary={job.summary} />
              <div class="buttons" role="group" aria-label={t("files.download")}>
                <button type="button" class="primary" onClick={() => save("xlsx")} disabled={download.busy}>
                  {t("files.downloadXlsx")}
                </button>
                <button type="button" onClick={() => save("csv")} disabled={download.busy}>
                  {t("files.downloadCsv")}
                </button>
              </div>
              <Notice error={download.error} />
            </>
          )}
        </>
      )}
      <p class="buttons">
        <Link href="/files">{t("files.another")}</Link>
        <Link href={withQuery("/history", { tab: "files" })}>{t("files.all")}</Link>
      </p>
    </Card>
  );
}
