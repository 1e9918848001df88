// The shell: who is logged in, the header with the menu and the language
// switch, and the page the path names.

import { createContext } from "preact";
import { useContext, useEffect, useState } from "preact/hooks";

import { api, onUnauthorized } from "./api";
import { Link } from "./components";
import { LANGS, getLang, setLang, t, type Lang } from "./i18n";
import { AccountPage } from "./pages/account";
import { AdminPage } from "./pages/admin";
import { AnalyzePage } from "./pages/analyze";
import { FilesPage } from "./pages/files";
import { HistoryPage } from "./pages/history";
import { LoginPage, RegisterPage } from "./pages/login";
import { navigate, safeNext, useLocation, withQuery } from "./router";
import type { User } from "./types";

interface Session {
  user: User | null;
  setUser: (user: User | null) => void;
}

const SessionContext = createContext<Session>({ user: null, setUser: () => {} });

export function useSession(): Session {
  return useContext(SessionContext);
}

const PUBLIC_PATHS = new Set(["/login", "/register"]);

const PAGES: Record<string, () => preact.JSX.Element | null> = {
  "/": AnalyzePage,
  "/files": FilesPage,
  "/history": HistoryPage,
  "/account": AccountPage,
  "/admin": AdminPage,
};

/** The login page's address, remembering where the user was. */
export function loginPath(reason?: string): string {
  const here = window.location.pathname + window.location.search;
  const next = PUBLIC_PATHS.has(window.location.pathname) ? undefined : here;

  return withQuery("/login", { next: next === "/" ? undefined : next, reason });
}

export function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [lang, chooseLang] = useState<Lang>(getLang());
  const location = useLocation();

  useEffect(() => {
    onUnauthorized(() => {
      setUser(null);
      navigate(loginPath("expired"), true);
    });
    api<User>("GET", "/me", undefined, { quiet401: true }).then(setUser, () => setUser(null));
  }, []);

  const isPublic = PUBLIC_PATHS.has(location.path);
  useEffect(() => {
    if (user === null && !isPublic) navigate(loginPath(), true);
    if (user && isPublic) navigate(safeNext(location.query.get("next")), true);
  }, [user, isPublic]);

  const switchLang = (next: Lang) => {
    setLang(next, window.localStorage);
    chooseLang(next);
  };

  const Page = isPublic
    ? location.path === "/login"
      ? LoginPage
      : RegisterPage
    : (PAGES[location.path] ?? NotFound);
  const ready = user !== undefined && (user === null) === isPublic;

  return (
    <SessionContext.Provider value={{ user: user ?? null, setUser }}>
      <Header lang={lang} onLang={switchLang} user={user ?? null} path={location.path} />
      <main id="main" class="main" key={lang}>
        {ready ? <Page /> : <p class="loading">{t("common.loading")}</p>}
      </main>
    </SessionContext.Provider>
  );
}

function Header(props: { lang: Lang; onLang: (lang: Lang) => void; user: User | null; path: string }) {
  const { user } = props;
  const { setUser } = useSession();
  const links: [string, string][] = [
    ["/", t("nav.analyze")],
    ["/files", t("nav.files")],
    ["/history", t("nav.history")],
    ["/account", t("nav.account")],
  ];
  if (user?.role === "admin") links.push(["/admin", t("nav.admin")]);

  const logout = async () => {
    await api("POST", "/auth/logout", undefined, { quiet401: true }).catch(() => undefined);
    navigate("/login", true);
    setUser(null);
  };

  return (
    <header class="header">
      <a class="skip" href="#main">
        {t("nav.skip")}
      </a>
      <Link href="/" class="brand">
        <img src="/favicon.svg" alt="" width={28} height={28} />
        <span>{t("app.name")}</span>
      </Link>
      {user && (
        <nav class="nav" aria-label={t("nav.main")}>
          {links.map(([href, text]) => (
            <Link key={href} href={href} aria-current={props.path === href ? "page" : undefined}>
              {text}
            </Link>
          ))}
        </nav>
      )}
      <div class="header-end">
        <div class="lang" role="group" aria-label={t("lang.switch")}>
          {LANGS.map((lang) => (
            <button
              key={lang}
              type="button"
              lang={lang}
              aria-pressed={props.lang === lang}
              onClick={() => props.onLang(lang)}
            >
              {lang.toUpperCase()}
            </button>
          ))}
        </div>
        {user && (
          <>
            <span class="who" title={user.email}>
              {user.email}
            </span>
            <button type="button" class="quiet" onClick={logout}>
              {t("nav.logout")}
            </button>
          </>
        )}
      </div>
    </header>
  );
}

function NotFound() {
  return (
    <section class="card">
      <h1>{t("notfound.title")}</h1>
      <Link href="/">{t("notfound.back")}</Link>
    </section>
  );
}
