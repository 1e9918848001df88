import { useEffect, useId, useState } from "preact/hooks";

import { api } from "../api";
import { useSession } from "../app";
import { Card, Field, Notice, Pager } from "../components";
import { submitted, useAction, useForm } from "../hooks";
import { formatDate, t } from "../i18n";
import { navigate, useLocation, withQuery } from "../router";
import type { Page, Role, User } from "../types";

const PAGE_SIZE = 10;

export function AdminPage() {
  const { user } = useSession();
  const { query } = useLocation();
  const q = query.get("q") ?? "";
  const page = Math.max(1, Number(query.get("page")) || 1);
  const [users, setUsers] = useState<Page<User> | null>(null);
  const [editing, setEditing] = useState<User | null>(null);
  const [version, setVersion] = useState(0);
  const load = useAction();
  const remove = useAction();

  useEffect(() => {
    if (user?.role !== "admin") return;
    load.run(async () => {
      const query = { q: q.trim(), page, page_size: PAGE_SIZE };
      setUsers(await api<Page<User>>("GET", "/admin/users", undefined, { query }));
    });
  }, [q, page, version]);

  if (user?.role !== "admin") return <Notice error={t("error.forbidden")} />;

  const go = (next: { q?: string; page?: number }) =>
    navigate(withQuery("/admin", { q, page, ...next }));
  const reload = () => setVersion((value) => value + 1);

  const deleteUser = (target: User) => {
    if (!window.confirm(t("admin.confirmDelete", { email: target.email }))) return;
    remove.run(async () => {
      await api("DELETE", `/admin/users/${target.id}`);
      if (editing?.id === target.id) setEditing(null);
      reload();
      return t("admin.deleted", { email: target.email });
    });
  };

  return (
    <div class="stack">
      <section class="card">
        <h1>{t("admin.title")}</h1>
        <SearchForm key={q} q={q} onSearch={(next) => go({ q: next, page: 1 })} />
        <Notice error={load.error ?? remove.error} message={remove.message} />
        {users && users.items.length === 0 && <p class="empty">{t("common.nothing")}</p>}
        {users && users.items.length > 0 && (
          <div class="table-wrap">
            <table class="users">
              <thead>
                <tr>
                  <th scope="col">{t("common.email")}</th>
                  <th scope="col">{t("common.firstName")}</th>
                  <th scope="col">{t("common.lastName")}</th>
                  <th scope="col">{t("admin.role")}</th>
                  <th scope="col">{t("admin.active")}</th>
                  <th scope="col">{t("common.date")}</th>
                  <th scope="col">
                    <span class="sr-only">{t("common.actions")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {users.items.map((row) => (
                  <tr key={row.id} data-email={row.email} class={row.is_active ? "" : "inactive"}>
                    <td data-label={t("common.email")}>{row.email}</td>
                    <td data-label={t("common.firstName")}>{row.first_name}</td>
                    <td data-label={t("common.lastName")}>{row.last_name}</td>
                    <td data-label={t("admin.role")}>{t(`role.${row.role}`)}</td>
                    <td data-label={t("admin.active")}>{row.is_active ? t("admin.yes") : t("admin.no")}</td>
                    <td data-label={t("common.date")} class="nowrap">{formatDate(row.created_at)}</td>
                    <td class="buttons">
                      <button
                        type="button"
                        aria-label={`${t("admin.edit")} ${row.email}`}
                        onClick={() => setEditing(row)}
                      >
                        {t("admin.edit")}
                      </button>
                      <button
                        type="button"
                        class="danger"
                        aria-label={`${t("common.delete")} ${row.email}`}
                        onClick={() => deleteUser(row)}
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
        {users && users.total > 0 && (
          <Pager
            page={users.page}
            pageSize={users.page_size}
            total={users.total}
            onPage={(next) => go({ page: next })}
          />
        )}
      </section>
      {editing && (
        <EditUser
          key={editing.id}
          user={editing}
          onDone={() => {
            setEditing(null);
            reload();
          }}
        />
      )}
      <CreateUser onCreated={reload} />
    </div>
  );
}

function SearchForm(props: { q: string; onSearch: (q: string) => void }) {
  const [q, setQ] = useState(props.q);

  return (
    <form class="filters" role="search" onSubmit={submitted(() => props.onSearch(q))}>
      <Field
        label={t("admin.search")}
        type="search"
        name="q"
        value={q}
        onInput={(event) => setQ(event.currentTarget.value)}
      />
      <div class="buttons">
        <button type="submit" class="primary">
          {t("common.search")}
        </button>
      </div>
    </form>
  );
}

function RoleSelect(props: { value: Role; onChange: (role: Role) => void }) {
  const id = useId();

  return (
    <div class="field">
      <label for={id}>{t("admin.role")}</label>
      <select
        id={id}
        name="role"
        value={props.value}
        onChange={(event) => props.onChange(event.currentTarget.value as Role)}
      >
        <option value="user">{t("role.user")}</option>
        <option value="admin">{t("role.admin")}</option>
      </select>
    </div>
  );
}

function ActiveBox(props: { checked: boolean; onChange: (active: boolean) => void }) {
  const id = useId();

  return (
    <div class="field check">
      <input
        id={id}
        type="checkbox"
        name="is_active"
        checked={props.checked}
        onChange={(event) => props.onChange(event.currentTarget.checked)}
      />
      <label for={id}>{t("admin.active")}</label>
    </div>
  );
}

function EditUser(props: { user: User; onDone: () => void }) {
  const { user } = props;
  const form = useForm({
    first_name: user.first_name,
    last_name: user.last_name ?? "",
    password: "",
  });
  const [role, setRole] = useState<Role>(user.role);
  const [active, setActive] = useState(user.is_active);
  const action = useAction();

  // Only what changed is sent: a role, active or password change ends
  // that user's sessions, so an untouched one must not be resent.
  const save = () =>
    action.run(async () => {
      const changes: Record<string, unknown> = {};
      if (form.values.first_name !== user.first_name) changes.first_name = form.values.first_name;
      if (form.values.last_name !== (user.last_name ?? "")) changes.last_name = form.values.last_name;
      if (form.values.password) changes.password = form.values.password;
      if (role !== user.role) changes.role = role;
      if (active !== user.is_active) changes.is_active = active;
      if (Object.keys(changes).length) await api("PATCH", `/admin/users/${user.id}`, changes);
      props.onDone();
    });

  return (
    <Card title={t("admin.editing", { email: user.email })} class="editor">
      <form onSubmit={submitted(save)}>
        <div class="grid">
          <Field label={t("common.firstName")} required {...form.bind("first_name")} />
          <Field label={t("common.lastName")} {...form.bind("last_name")} />
          <RoleSelect value={role} onChange={setRole} />
          <Field
            label={t("admin.newPassword")}
            type="password"
            autoComplete="new-password"
            minLength={8}
            hint={t("admin.newPasswordHint")}
            {...form.bind("password")}
          />
          <ActiveBox checked={active} onChange={setActive} />
        </div>
        <Notice error={action.error} />
        <div class="buttons">
          <button type="submit" class="primary" disabled={action.busy}>
            {t("common.save")}
          </button>
          <button type="button" onClick={props.onDone}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    </Card>
  );
}

function CreateUser(props: { onCreated: () => void }) {
  const blank = { email: "", password: "", first_name: "", last_name: "" };
  const form = useForm(blank);
  const [role, setRole] = useState<Role>("user");
  const [active, setActive] = useState(true);
  const action = useAction();

  const create = () =>
    action.run(async () => {
      const { last_name, ...rest } = form.values;
      const body = { ...rest, ...(last_name ? { last_name } : {}), role, is_active: active };
      const created = await api<User>("POST", "/admin/users", body);
      form.setValues(blank);
      props.onCreated();
      return t("admin.created", { email: created.email });
    });

  return (
    <Card title={t("admin.create")}>
      <form onSubmit={submitted(create)}>
        <div class="grid">
          <Field label={t("common.email")} type="email" required {...form.bind("email")} />
          <Field
            label={t("common.password")}
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            {...form.bind("password")}
          />
          <Field label={t("common.firstName")} required {...form.bind("first_name")} />
          <Field label={`${t("common.lastName")} (${t("common.optional")})`} {...form.bind("last_name")} />
          <RoleSelect value={role} onChange={setRole} />
          <ActiveBox checked={active} onChange={setActive} />
        </div>
        <Notice error={action.error} message={action.message} />
        <button type="submit" class="primary" disabled={action.busy}>
          {t("admin.createSubmit")}
        </button>
      </form>
    </Card>
  );
}
