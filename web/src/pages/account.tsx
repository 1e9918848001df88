import { useId, useState } from "preact/hooks";

import { api, apiUrl, upload } from "../api";
import { useSession } from "../app";
import { Card, Field, Notice } from "../components";
import { submitted, useAction, useForm } from "../hooks";
import { t } from "../i18n";
import { navigate, withQuery } from "../router";
import type { User } from "../types";

export function AccountPage() {
  const { user } = useSession();
  if (!user) return null;

  return (
    <div class="stack">
      <h1>{t("account.title")}</h1>
      <div class="grid">
        <Profile user={user} />
        <Avatar user={user} />
        <PasswordChange />
        <DeleteAccount />
      </div>
    </div>
  );
}

function Profile({ user }: { user: User }) {
  const { setUser } = useSession();
  const form = useForm({ first_name: user.first_name, last_name: user.last_name ?? "" });
  const action = useAction();

  const save = () =>
    action.run(async () => {
      setUser(await api<User>("PATCH", "/me", form.values));
      return t("common.saved");
    });

  return (
    <Card title={t("account.profile")}>
      <p class="meta">
        {user.email} · {t("account.role")}: {t(`role.${user.role}`)}
      </p>
      <form onSubmit={submitted(save)}>
        <Field label={t("common.firstName")} autoComplete="given-name" required {...form.bind("first_name")} />
        <Field label={t("common.lastName")} autoComplete="family-name" {...form.bind("last_name")} />
        <Notice error={action.error} message={action.message} />
        <button type="submit" class="primary" disabled={action.busy}>
          {t("common.save")}
        </button>
      </form>
    </Card>
  );
}

function Avatar({ user }: { user: User }) {
  const { setUser } = useSession();
  const [file, setFile] = useState<File | null>(null);
  // Bumped on each change so the browser does not show the old picture.
  const [version, setVersion] = useState(() => Date.now());
  const action = useAction();
  const id = useId();

  const refresh = async () => {
    setUser(await api<User>("GET", "/me"));
    setVersion(Date.now());
  };

  const send = () =>
    action.run(async () => {
      if (!file) return;
      const form = new FormData();
      form.append("file", file, file.name);
      await upload("PUT", "/me/avatar", form, () => {});
      await refresh();
      return t("common.saved");
    });

  const remove = () =>
    action.run(async () => {
      await api("DELETE", "/me/avatar");
      await refresh();
    });

  return (
    <Card title={t("account.avatar")}>
      {user.has_avatar ? (
        <img class="avatar" src={apiUrl("/me/avatar", { v: version })} alt={t("account.avatar")} />
      ) : (
        <p class="hint">{t("account.noAvatar")}</p>
      )}
      <form onSubmit={submitted(send)}>
        <div class="field">
          <label for={id}>{t("account.avatarFile")}</label>
          <input
            id={id}
            type="file"
            name="file"
            accept="image/png,image/jpeg,image/webp"
            required
            onChange={(event) => setFile(event.currentTarget.files?.[0] ?? null)}
          />
        </div>
        <Notice error={action.error} message={action.message} />
        <div class="buttons">
          <button type="submit" class="primary" disabled={action.busy}>
            {t("account.avatarUpload")}
          </button>
          {user.has_avatar && (
            <button type="button" class="danger" onClick={remove} disabled={action.busy}>
              {t("account.avatarDelete")}
            </button>
          )}
        </div>
      </form>
    </Card>
  );
}

function PasswordChange() {
  const form = useForm({ current_password: "", new_password: "" });
  const action = useAction();

  const change = () =>
    action.run(async () => {
      await api("POST", "/me/password", form.values);
      form.setValues({ current_password: "", new_password: "" });
      return t("account.passwordChanged");
    });

  return (
    <Card title={t("account.password")}>
      <form onSubmit={submitted(change)}>
        <Field
          label={t("account.currentPassword")}
          type="password"
          autoComplete="current-password"
          required
          {...form.bind("current_password")}
        />
        <Field
          label={t("account.newPassword")}
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          hint={t("register.passwordHint")}
          {...form.bind("new_password")}
        />
        <Notice error={action.error} message={action.message} />
        <button type="submit" class="primary" disabled={action.busy}>
          {t("common.save")}
        </button>
      </form>
    </Card>
  );
}

function DeleteAccount() {
  const { setUser } = useSession();
  const form = useForm({ password: "" });
  const action = useAction();

  const remove = () => {
    if (!window.confirm(t("account.deleteConfirm"))) return;
    action.run(async () => {
      await api("DELETE", "/me", form.values);
      navigate(withQuery("/login", { reason: "deleted" }), true);
      setUser(null);
    });
  };

  return (
    <Card title={t("account.delete")} class="danger-zone">
      <p class="hint">{t("account.deleteHelp")}</p>
      <form onSubmit={submitted(remove)}>
        <Field
          label={t("common.password")}
          type="password"
          autoComplete="current-password"
          required
          {...form.bind("password")}
        />
        <Notice error={action.error} />
        <button type="submit" class="danger" disabled={action.busy}>
          {t("account.deleteSubmit")}
        </button>
      </form>
    </Card>
  );
}
