// The shapes of the API's answers (see ../shared/API.md).

export type Role = "user" | "admin";
export type Label = "negative" | "neutral" | "positive";
export type JobStatus = "queued" | "running" | "done" | "failed";

export const LABELS: readonly Label[] = ["negative", "neutral", "positive"];

export interface User {
  id: number;
  email: string;
  first_name: string;
  last_name: string | null;
  role: Role;
  is_active: boolean;
  created_at: string;
  has_avatar: boolean;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
}

export interface WordWeight {
  token: string;
  weight: number;
}

export interface Prediction {
  label: Label;
  scores: Record<Label, number>;
  language: "ru" | "en";
  model_version: string;
  explanation?: WordWeight[];
}

export interface TextRecord extends Prediction {
  id: number | string;
  text: string;
  created_at: string;
}

export interface Job {
  id: number | string;
  file_name: string;
  column: string | null;
  status: JobStatus;
  progress: { done: number; total: number };
  summary: Record<Label | "empty", number>;
  error?: string | null;
  created_at: string;
  finished_at?: string | null;
}
