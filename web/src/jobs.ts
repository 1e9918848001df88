import { fetchFile, saveBlob } from "./api";
import type { Job } from "./types";

export type ResultFormat = "xlsx" | "csv";

// Job polling: quick at first so small files feel instant, then calmer.
export function pollDelay(attempt: number): number {
  return Math.min(2000, 400 + attempt * 200);
}

export function isFinished(job: Job): boolean {
  return job.status === "done" || job.status === "failed";
}

export function resultName(job: Job, format: ResultFormat): string {
  const stem = job.file_name.replace(/\.(csv|xlsx)$/i, "");

  return `${stem}.labelled.${format}`;
}

/** Fetch the labelled file and hand it to the browser. */
export async function downloadResult(job: Job, format: ResultFormat): Promise<void> {
  const { blob, name } = await fetchFile(`/jobs/${job.id}/result`, { format }, resultName(job, format));
  saveBlob(blob, name);
}
