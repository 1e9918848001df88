import { render } from "preact";

import { App } from "./app";
import { initialLang, setLang, storedLang } from "./i18n";
import "./styles.css";

setLang(initialLang(storedLang(window.localStorage), navigator.languages ?? []));

render(<App />, document.getElementById("app") as HTMLElement);
