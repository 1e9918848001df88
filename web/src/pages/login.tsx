import { api } from "../api";
import { useSession } from "../app";
import { Field, Link, Notice } from "../components";
import { submitted, useAction, useForm } from "../hooks";
import { t, type Key } from "../i18n";
import { navigate, safeNext, useLocation, withQuery } from "../router";
import type { User } from "../types";

const REASONS: Record<string, Key> = {
  registered: "login.registered",
  expired: "login.expired",
  deleted: "login.deleted",
};

export function LoginPage() {
  const { setUser } = useSession();
  const { query } = useLocation();
  const form = useForm({ email: query.get("email") ?? "", password: "" });
  const action = useAction();
  const reason = REASONS[query.get("reason") ?? ""];

  const login = () =>
    action.run(async () => {
      const user = await api<User>("POST", "/auth/login", form.values, { quiet401: true });
      navigate(safeNext(query.get("next")), true);
      setUser(user);
    });

  return (
    <section class="card narrow">
      <h1>{t("login.title")}</h1>
      {!action.error && reason && <Notice message={t(reason)} />}
      <form onSubmit={submitted(login)}>
        <Field label={t("common.email")} type="email" autoComplete="username" required {...form.bind("email")} />
        <Field
          label={t("common.password")}
          type="password"
          autoComplete="current-password"
          required
          {...form.bind("password")}
        />
        <Notice error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          {t("login.submit")}
        </button>
      </form>
      <p>
        {t("login.noAccount")} <Link href="/register">{t("login.toRegister")}</Link>
      </p>
    </section>
  );
}

export function RegisterPage() {
  const form = useForm({ email: "", password: "", first_name: "", last_name: "" });
  const action = useAction();

  const register = () =>
    action.run(async () => {
      const { last_name, ...required } = form.values;
      await api<User>("POST", "/auth/register", last_name ? form.values : required);
      navigate(withQuery("/login", { reason: "registered", email: form.values.email }));
    });

  return (
    <section class="card narrow">
      <h1>{t("register.title")}</h1>
      <form onSubmit={submitted(register)}>
        <Field label={t("common.email")} type="email" autoComplete="email" required {...form.bind("email")} />
        <Field
          label={t("common.password")}
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          hint={t("register.passwordHint")}
          {...form.bind("password")}
        />
        <Field label={t("common.firstName")} autoComplete="given-name" required {...form.bind("first_name")} />
        <Field
          label={`${t("common.lastName")} (${t("common.optional")})`}
          autoComplete="family-name"
          {...form.bind("last_name")}
        />
        <Notice error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          {t("register.submit")}
        </button>
      </form>
      <p>
        {t("register.haveAccount")} <Link href="/login">{t("register.toLogin")}</Link>
      </p>
    </section>
  );
}
