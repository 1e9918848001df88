import { useState } from "preact/hooks";

import { ApiError } from "./api";

export interface Action {
  busy: boolean;
  error: string | null;
  message: string | null;
  /** Run `work`; what it returns is shown as a message, what it throws as an error. */
  run: (work: () => Promise<string | void>) => Promise<void>;
  clear: () => void;
}

/** Busy, error and success state for one form's submit. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const run = async (work: () => Promise<string | void>) => {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      setMessage((await work()) ?? null);
    } catch (failure) {
      setError(
        failure instanceof ApiError
          ? failure.detail
          : failure instanceof Error
            ? failure.message
            : String(failure),
      );
    } finally {
      setBusy(false);
    }
  };

  const clear = () => {
    setError(null);
    setMessage(null);
  };

  return { busy, error, message, run, clear };
}

/** A form's values as one object, and a setter per field for `onInput`. */
export function useForm<T extends Record<string, string>>(initial: T) {
  const [values, setValues] = useState(initial);
  const bind = (name: keyof T) => ({
    name: String(name),
    value: values[name],
    onInput: (event: Event) => {
      const value = (event.currentTarget as HTMLInputElement).value;
      setValues((old) => ({ ...old, [name]: value }));
    },
  });

  return { values, setValues, bind };
}

export function submitted(handler: () => void) {
  return (event: Event) => {
    event.preventDefault();
    handler();
  };
}
