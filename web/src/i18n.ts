// Interface text in English and Russian. The chosen language is kept in
// localStorage; a first visit follows the browser's preferred language.

export type Lang = "en" | "ru";

export const LANGS: readonly Lang[] = ["en", "ru"];

const STORAGE_KEY = "tonality.lang";

const en = {
  "app.name": "Tonality",
  "app.tagline": "Sentiment of Russian and English texts",
  "lang.switch": "Interface language",
  "nav.main": "Main menu",
  "nav.skip": "Skip to the page",
  "nav.analyze": "Analyze",
  "nav.files": "Files",
  "nav.history": "History",
  "nav.account": "Account",
  "nav.admin": "Users",
  "nav.logout": "Log out",
  "common.loading": "Loading…",
  "common.save": "Save",
  "common.cancel": "Cancel",
  "common.delete": "Delete",
  "common.search": "Search",
  "common.reset": "Reset",
  "common.email": "Email",
  "common.password": "Password",
  "common.firstName": "First name",
  "common.lastName": "Last name",
  "common.optional": "optional",
  "common.date": "Date",
  "common.actions": "Actions",
  "common.nothing": "Nothing here yet.",
  "common.saved": "Saved.",
  "common.from": "From",
  "common.to": "To",
  "error.network": "The service cannot be reached. Check the connection and try again.",
  "error.status": "The request failed (HTTP {status}).",
  "error.forbidden": "This page is for administrators.",
  "pager.label": "Pages",
  "pager.prev": "Previous",
  "pager.next": "Next",
  "pager.status": "Page {page} of {pages} · {total} in all",
  "login.title": "Log in",
  "login.submit": "Log in",
  "login.noAccount": "No account yet?",
  "login.toRegister": "Sign up",
  "login.registered": "Account created. Log in with your email and password.",
  "login.expired": "Your session has ended. Log in again.",
  "login.deleted": "Your account has been deleted.",
  "register.title": "Sign up",
  "register.submit": "Create account",
  "register.passwordHint": "At least 8 characters, not a common password.",
  "register.haveAccount": "Already registered?",
  "register.toLogin": "Log in",
  "analyze.title": "Analyze a text",
  "analyze.text": "Text in Russian or English",
  "analyze.counter": "{count} of {max} characters",
  "analyze.submit": "Analyze",
  "analyze.shortcut": "Ctrl+Enter also analyzes.",
  "analyze.result": "Result",
  "analyze.language": "Language",
  "analyze.model": "Model",
  "analyze.scores": "Probabilities",
  "analyze.words": "What swayed the model",
  "analyze.legendPositive": "pushes towards positive",
  "analyze.legendNegative": "pushes towards negative",
  "analyze.legendNeutral": "supports neutral",
  "analyze.legendNote": "Stronger colour, stronger influence.",
  "label.negative": "negative",
  "label.neutral": "neutral",
  "label.positive": "positive",
  "label.empty": "empty",
  "language.ru": "Russian",
  "language.en": "English",
  "files.title": "Analyze a file",
  "files.help": "A CSV or XLSX file up to 50 MB; each row of the chosen column is labelled.",
  "files.file": "File (.csv or .xlsx)",
  "files.column": "Column with the texts",
  "files.columnHint": "Leave empty for the first column.",
  "files.submit": "Upload and analyze",
  "files.upload": "Upload",
  "files.uploaded": "{sent} of {total}",
  "files.job": "Processing",
  "files.rows": "{done} of {total} rows",
  "files.summary": "Summary",
  "files.download": "Download",
  "files.downloadXlsx": "Download XLSX",
  "files.downloadCsv": "Download CSV",
  "files.chooseFile": "Choose a file first.",
  "files.tooLarge": "The file is larger than 50 MB.",
  "files.another": "Analyze another file",
  "files.all": "All your files",
  "status.queued": "queued",
  "status.running": "running",
  "status.done": "done",
  "status.failed": "failed",
  "history.title": "History",
  "history.texts": "Texts",
  "history.files": "Files",
  "history.search": "Search",
  "history.searchTexts": "Words in the text",
  "history.searchFiles": "File name",
  "history.utcHint": "Both days are included; days are counted in UTC.",
  "history.text": "Text",
  "history.label": "Label",
  "history.file": "File",
  "history.column": "Column",
  "history.status": "Status",
  "history.open": "Open",
  "history.confirmText": "Delete this text from the history?",
  "history.confirmFile": "Delete this file and its result?",
  "account.title": "Account",
  "account.profile": "Profile",
  "account.avatar": "Avatar",
  "account.noAvatar": "No avatar yet.",
  "account.avatarFile": "Image (PNG, JPEG or WebP, up to 2 MB)",
  "account.avatarUpload": "Upload avatar",
  "account.avatarDelete": "Remove avatar",
  "account.password": "Change password",
  "account.currentPassword": "Current password",
  "account.newPassword": "New password",
  "account.passwordChanged": "Password changed. Other sessions have been logged out.",
  "account.delete": "Delete account",
  "account.deleteSubmit": "Delete my account",
  "account.deleteHelp": "Your account, history and files are removed for good.",
  "account.deleteConfirm": "Delete your account and everything in it?",
  "account.role": "Role",
  "admin.title": "Users",
  "admin.search": "Email or name",
  "admin.create": "New user",
  "admin.createSubmit": "Create user",
  "admin.created": "User {email} created.",
  "admin.role": "Role",
  "admin.active": "Active",
  "admin.yes": "yes",
  "admin.no": "no",
  "admin.edit": "Edit",
  "admin.editing": "Edit {email}",
  "admin.newPassword": "New password",
  "admin.newPasswordHint": "Leave empty to keep the current one.",
  "admin.confirmDelete": "Delete {email} with all their data?",
  "admin.deleted": "User {email} deleted.",
  "role.user": "user",
  "role.admin": "admin",
  "notfound.title": "Page not found",
  "notfound.back": "Go to the analyzer",
};

export type Key = keyof typeof en;

const ru: Record<Key, string> = {
  "app.name": "Tonality",
  "app.tagline": "Тональность русских и английских текстов",
  "lang.switch": "Язык интерфейса",
  "nav.main": "Главное меню",
  "nav.skip": "Перейти к странице",
  "nav.analyze": "Анализ",
  "nav.files": "Файлы",
  "nav.history": "История",
  "nav.account": "Профиль",
  "nav.admin": "Пользователи",
  "nav.logout": "Выйти",
  "common.loading": "Загрузка…",
  "common.save": "Сохранить",
  "common.cancel": "Отмена",
  "common.delete": "Удалить",
  "common.search": "Найти",
  "common.reset": "Сбросить",
  "common.email": "Эл. почта",
  "common.password": "Пароль",
  "common.firstName": "Имя",
  "common.lastName": "Фамилия",
  "common.optional": "необязательно",
  "common.date": "Дата",
  "common.actions": "Действия",
  "common.nothing": "Пока ничего нет.",
  "common.saved": "Сохранено.",
  "common.from": "С",
  "common.to": "По",
  "error.network": "Сервис недоступен. Проверьте подключение и повторите.",
  "error.status": "Запрос не выполнен (HTTP {status}).",
  "error.forbidden": "Эта страница только для администраторов.",
  "pager.label": "Страницы",
  "pager.prev": "Назад",
  "pager.next": "Вперёд",
  "pager.status": "Страница {page} из {pages} · всего {total}",
  "login.title": "Вход",
  "login.submit": "Войти",
  "login.noAccount": "Ещё нет учётной записи?",
  "login.toRegister": "Зарегистрироваться",
  "login.registered": "Учётная запись создана. Войдите с вашей почтой и паролем.",
  "login.expired": "Сеанс завершён. Войдите снова.",
  "login.deleted": "Ваша учётная запись удалена.",
  "register.title": "Регистрация",
  "register.submit": "Создать учётную запись",
  "register.passwordHint": "Не меньше 8 символов, не из числа распространённых.",
  "register.haveAccount": "Уже зарегистрированы?",
  "register.toLogin": "Войти",
  "analyze.title": "Анализ текста",
  "analyze.text": "Текст на русском или английском",
  "analyze.counter": "{count} из {max} символов",
  "analyze.submit": "Анализировать",
  "analyze.shortcut": "Ctrl+Enter тоже запускает анализ.",
  "analyze.result": "Результат",
  "analyze.language": "Язык",
  "analyze.model": "Модель",
  "analyze.scores": "Вероятности",
  "analyze.words": "Что повлияло на модель",
  "analyze.legendPositive": "тянет к позитиву",
  "analyze.legendNegative": "тянет к негативу",
  "analyze.legendNeutral": "поддерживает нейтральность",
  "analyze.legendNote": "Чем ярче цвет, тем сильнее влияние.",
  "label.negative": "негативный",
  "label.neutral": "нейтральный",
  "label.positive": "позитивный",
  "label.empty": "пустые",
  "language.ru": "русский",
  "language.en": "английский",
  "files.title": "Анализ файла",
  "files.help": "Файл CSV или XLSX до 50 МБ; размечается каждая строка выбранного столбца.",
  "files.file": "Файл (.csv или .xlsx)",
  "files.column": "Столбец с текстами",
  "files.columnHint": "Оставьте пустым, чтобы взять первый столбец.",
  "files.submit": "Загрузить и проанализировать",
  "files.upload": "Загрузка",
  "files.uploaded": "{sent} из {total}",
  "files.job": "Обработка",
  "files.rows": "{done} из {total} строк",
  "files.summary": "Итог",
  "files.download": "Скачать",
  "files.downloadXlsx": "Скачать XLSX",
  "files.downloadCsv": "Скачать CSV",
  "files.chooseFile": "Сначала выберите файл.",
  "files.tooLarge": "Файл больше 50 МБ.",
  "files.another": "Проанализировать другой файл",
  "files.all": "Все ваши файлы",
  "status.queued": "в очереди",
  "status.running": "обрабатывается",
  "status.done": "готово",
  "status.failed": "ошибка",
  "history.title": "История",
  "history.texts": "Тексты",
  "history.files": "Файлы",
  "history.search": "Поиск",
  "history.searchTexts": "Слова из текста",
  "history.searchFiles": "Имя файла",
  "history.utcHint": "Оба дня включаются; дни считаются по UTC.",
  "history.text": "Текст",
  "history.label": "Тональность",
  "history.file": "Файл",
  "history.column": "Столбец",
  "history.status": "Состояние",
  "history.open": "Открыть",
  "history.confirmText": "Удалить этот текст из истории?",
  "history.confirmFile": "Удалить этот файл и его результат?",
  "account.title": "Профиль",
  "account.profile": "Личные данные",
  "account.avatar": "Аватар",
  "account.noAvatar": "Аватара пока нет.",
  "account.avatarFile": "Изображение (PNG, JPEG или WebP, до 2 МБ)",
  "account.avatarUpload": "Загрузить аватар",
  "account.avatarDelete": "Удалить аватар",
  "account.password": "Смена пароля",
  "account.currentPassword": "Текущий пароль",
  "account.newPassword": "Новый пароль",
  "account.passwordChanged": "Пароль изменён. Остальные сеансы завершены.",
  "account.delete": "Удаление учётной записи",
  "account.deleteSubmit": "Удалить учётную запись",
  "account.deleteHelp": "Учётная запись, история и файлы будут удалены навсегда.",
  "account.deleteConfirm": "Удалить учётную запись со всеми данными?",
  "account.role": "Роль",
  "admin.title": "Пользователи",
  "admin.search": "Почта или имя",
  "admin.create": "Новый пользователь",
  "admin.createSubmit": "Создать пользователя",
  "admin.created": "Пользователь {email} создан.",
  "admin.role": "Роль",
  "admin.active": "Активен",
  "admin.yes": "да",
  "admin.no": "нет",
  "admin.edit": "Изменить",
  "admin.editing": "Изменение: {email}",
  "admin.newPassword": "Новый пароль",
  "admin.newPasswordHint": "Оставьте пустым, чтобы не менять.",
  "admin.confirmDelete": "Удалить {email} со всеми данными?",
  "admin.deleted": "Пользователь {email} удалён.",
  "role.user": "пользователь",
  "role.admin": "администратор",
  "notfound.title": "Страница не найдена",
  "notfound.back": "К анализу текста",
};

export const MESSAGES: Record<Lang, Record<Key, string>> = { en, ru };

let current: Lang = "en";

/** The language a first visit gets: a stored choice, else the browser's. */
export function initialLang(stored: string | null, preferred: readonly string[]): Lang {
  if (stored === "en" || stored === "ru") return stored;

  const russian = preferred.some((tag) => tag.toLowerCase().startsWith("ru"));
  return russian ? "ru" : "en";
}

export function getLang(): Lang {
  return current;
}

export function setLang(lang: Lang, storage?: Storage): void {
  current = lang;
  storage?.setItem(STORAGE_KEY, lang);
  if (typeof document !== "undefined") document.documentElement.lang = lang;
}

export function storedLang(storage: Storage): string | null {
  return storage.getItem(STORAGE_KEY);
}

/** The text for `key` in the current language, `{name}` replaced from `params`. */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  const template = MESSAGES[current][key];

  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

export function formatDate(iso: string): string {
  const locale = current === "ru" ? "ru-RU" : "en-GB";
  const options: Intl.DateTimeFormatOptions = { dateStyle: "medium", timeStyle: "short" };

  return new Intl.DateTimeFormat(locale, options).format(new Date(iso));
}

export function formatBytes(bytes: number): string {
  const units = current === "ru" ? ["Б", "КБ", "МБ"] : ["B", "KB", "MB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }

  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
