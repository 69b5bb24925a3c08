//! The console in a real browser (Debian's Chromium, headless, through chromedriver) against the
//! real server on an ephemeral port with the demo world: every task of the seeds, in English and
//! Dutch. Screenshots of the main pages go to `target/screenshots/` (to `docs/screenshots/` with
//! `ROLEHUB_UPDATE_SCREENSHOTS=1`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

mod webdriver;

use std::path::PathBuf;

use rolehub_domain::{Lang, Role};
use rolehub_server::console::Tr;
use rolehub_server::{AppState, Config};
use rolehub_store::scratch::Scratch;
use rolehub_store::Service;
use webdriver::{keys, Browser, TempDir};

/// Where screenshots go: `target/screenshots`, so that a test run leaves the working tree as it
/// was; `ROLEHUB_UPDATE_SCREENSHOTS=1` writes them into `docs/screenshots/` for the README.
fn screenshots() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    if std::env::var_os("ROLEHUB_UPDATE_SCREENSHOTS").is_some() {
        root.join("docs/screenshots")
    } else {
        root.join("target/screenshots")
    }
}

/// Signs in through the form in a language (`en`, `nl`) and waits until the console is open.
async fn sign_in_in(b: &Browser, base: &str, who: &str, lang: &str) {
    b.goto(&format!("{base}/signin?lang={lang}")).await;
    b.type_into("#email", who).await;
    b.click("button[type=submit]").await;
    b.find("#password").await;
    b.type_into("#password", "rolehub-demo").await;
    b.click("button[type=submit]").await;
    // The console is open once its sign-out form is there (the password step names the person too).
    b.find("form[action=\"/signout\"]").await;
    // The header names the person once the console is open (the sign-in page does not).
    b.wait_for_text(who).await;
}

/// The console's languages: each persona's main task is walked in both.
const LANGS: [Lang; 2] = [Lang::En, Lang::Nl];

/// Words of the English console (its buttons, headings and the small words of its sentences) that a
/// Dutch page shows none of. Not `Email`: Control Hub's CSV columns (`User ID/Email`) are the
/// file's own names, shown as they are in either language.
const ENGLISH_WORDS: [&str; 29] = [
    "Save",
    "Saved",
    "Cancel",
    "Preview",
    "Confirm",
    "Back",
    "Apply",
    "Search",
    "Users",
    "Roles",
    "Administrators",
    "Settings",
    "Sign out",
    "Refused",
    "Will add",
    "Will remove",
    "Name",
    "Licenses",
    "Next page",
    "The",
    "the",
    "and",
    "with",
    "your",
    "Your",
    "not",
    "this",
    "active",
    "ended",
];

/// The console's text for a key in a language, from its own string table.
fn t(lang: Lang, key: &str) -> String {
    Tr { lang }.get(key)
}

/// The console's text for a key with one variable.
fn t_with(lang: Lang, key: &str, name: &str, value: &str) -> String {
    Tr { lang }.with(key, name, value)
}

/// The longest fixed part of a text whose variable is not known in advance (a count, say).
fn t_part(lang: Lang, key: &str, name: &str) -> String {
    let text = Tr { lang }.with(key, name, "\u{1}");
    text.split('\u{1}')
        .map(str::trim)
        .max_by_key(|part| part.len())
        .unwrap_or_default()
        .to_string()
}

/// Whether `word` stands in `text` as a word of its own (so `the` is not found in `thema`).
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The English console's words the page shows.
async fn english_on(b: &Browser) -> Vec<&'static str> {
    let text = b.body_text().await;
    ENGLISH_WORDS
        .into_iter()
        .filter(|word| has_word(&text, word))
        .collect()
}

#[test]
fn an_english_word_is_found_only_as_a_word() {
    assert!(has_word("Save the file", "the"));
    assert!(has_word("Will add: Support", "Will add"));
    assert!(!has_word("het thema", "the"));
    assert!(!has_word("Opslaan", "Save"));
}

/// What a page's text shows that is no value as a person reads it (issue 14, point 4): a backtick,
/// an ISO-8601 time (`2026-11-01T09:00`) or a count of milliseconds since 1970 instead of a date
/// and time in the reader's language and zone, a raw id in snake case (`cc_premium_agent`,
/// `full_admin`, `self_signup`, `meetings_host:…`) where a name exists, and a rule id printed
/// twice in one line. Emails and addresses are left alone: they are values as they are.
fn raw_values_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    if text.contains('`') {
        found.push("a backtick".to_string());
    }
    let bytes = text.as_bytes();
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    for at in 0..bytes.len() {
        let iso = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15]
            .iter()
            .all(|d| digit(at + d))
            && bytes[at + 4] == b'-'
            && bytes[at + 7] == b'-'
            && bytes[at + 10] == b'T'
            && bytes[at + 13] == b':';
        if iso {
            found.push(format!("an ISO time: {}", &text[at..at + 16]));
        }
    }
    for line in text.lines() {
        let words: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || "()[],;:\"“”'".contains(c))
            .map(|w| w.trim_end_matches(['.', '!', '?']))
            .filter(|w| !w.is_empty() && !w.contains('@') && !w.contains('/'))
            .collect();
        for word in &words {
            let snake = word.contains('_')
                && word.split('_').all(|part| {
                    !part.is_empty()
                        && part
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                });
            if snake {
                found.push(format!("a raw id: {word}"));
            }
            if word.len() == 13 && word.bytes().all(|b| b.is_ascii_digit()) {
                found.push(format!("milliseconds since 1970: {word}"));
            }
        }
        let rules: Vec<&&str> = words
            .iter()
            .filter(|w| w.starts_with("R-") && w.ends_with(|c: char| c.is_ascii_digit()))
            .collect();
        for (i, rule) in rules.iter().enumerate() {
            if rules[..i].contains(rule) {
                found.push(format!("the rule {rule} twice in: {line}"));
            }
        }
    }
    found
}

#[test]
fn raw_values_are_found_and_values_are_not() {
    for raw in [
        "Licenses: cc_premium_agent",
        "meetings_host:acme.webex.com",
        "Kind: self_signup.",
        "Created 2026-11-01T09:00:00.000Z",
        "at 1793523600000",
        "`acme.webex.com` is not a site",
        "R-CCSA-1 A full administrator cannot be a CCSA. (R-CCSA-1)",
    ] {
        assert!(!raw_values_in(raw).is_empty(), "{raw}");
    }
    for value in [
        "Webex Contact Center Premium Agent",
        "1 nov 2026, 10:00:00",
        "first_last@acme.example https://acme.webex.com/a_b",
        "R-CCSA-1 A full administrator cannot be a CCSA.\nR-CCSA-1 Again, on its own line.",
        "“acme.webex.com” is not a site; 2026-11-01 as a date",
    ] {
        assert_eq!(raw_values_in(value), Vec::<String>::new(), "{value}");
    }
}

/// The raw values the page shows (see `raw_values_in`), in its text and in the titles a pointer
/// shows (a time's title is in words too).
async fn raw_values_on(b: &Browser) -> Vec<String> {
    let titles = b
        .script(
            "return Array.from(document.querySelectorAll('[title]')).map(e => e.title).join('\\n')",
        )
        .await;
    raw_values_in(&format!(
        "{}\n{}",
        b.body_text().await,
        titles.as_str().unwrap_or_default()
    ))
}

/// In either language, the page shows values as values (`raw_values_in`).
async fn assert_no_raw_values(b: &Browser) {
    let found = raw_values_on(b).await;
    assert!(
        found.is_empty(),
        "raw values at {}: {found:?}\n{}",
        b.url().await,
        b.body_text().await
    );
}

/// The page reads as a person reads it (issue 14, point 4): values as values in either language
/// (`raw_values_in`), and in the Dutch pass none of the English console's words. Every step of
/// the walks checks it.
async fn assert_readable(b: &Browser, lang: Lang) {
    assert_no_raw_values(b).await;
    assert_no_english(b, lang).await;
}

/// In the Dutch pass, the page shows none of the English console's words.
async fn assert_no_english(b: &Browser, lang: Lang) {
    if lang != Lang::Nl {
        return;
    }
    let found = english_on(b).await;
    assert!(
        found.is_empty(),
        "English on a Dutch page ({}): {found:?}\n{}",
        b.url().await,
        b.body_text().await
    );
}

/// Signs out and waits for the sign-in form.
async fn sign_out(b: &Browser) {
    b.script("document.querySelector('form[action=\"/signout\"]').submit();")
        .await;
    b.find("#email").await;
}

/// The id of a person of the demo world.
async fn id_of(service: &Service, email: &str) -> String {
    service
        .operator("tests")
        .person(email)
        .await
        .unwrap()
        .view
        .id
}

/// Ticks (`adding`) or unticks a role in the roles editor of a user of Acme, previews the change
/// (which names the role) and confirms it.
async fn toggle_role(b: &Browser, base: &str, lang: Lang, user_id: &str, role: Role, adding: bool) {
    b.goto(&format!("{base}/users/{user_id}?org=acme")).await;
    b.click(&format!("input[name=roles][value={}]", role.id()))
        .await;
    b.click("#preview-roles").await;
    b.wait_for_text(&t(lang, if adding { "will-add" } else { "will-remove" }))
        .await;
    assert!(
        b.text("#preview").await.contains(role.name(lang)),
        "{lang:?}"
    );
    assert_readable(b, lang).await;
    b.click("#confirm").await;
    b.wait_for_text(&t(lang, "flash-changed")).await;
    assert_readable(b, lang).await;
}

/// The audit events of an org recorded for `actor` doing `action`, oldest first.
async fn audited(
    service: &Service,
    org: &str,
    actor: &str,
    action: &str,
) -> Vec<rolehub_store::StoredEvent> {
    let filter = rolehub_store::EventFilter {
        org_id: Some(org.into()),
        actor_email: Some(actor.into()),
        action: Some(action.into()),
        ..Default::default()
    };
    service.operator("tests").audit(&filter).await.unwrap()
}

/// The text of a table's column on the page, row by row.
async fn column(b: &Browser, n: usize) -> Vec<String> {
    let cells = b
        .script(&format!(
            "return Array.from(document.querySelectorAll('tbody tr td:nth-child({n})')).map(td => td.textContent.trim())"
        ))
        .await;
    serde_json::from_value(cells).unwrap()
}

/// After signing in: the person landed at an address containing `lands_in`, in their language,
/// on a page that is no refusal, with a menu (in the Dutch pass, without English).
async fn assert_landed(b: &Browser, who: &str, lang: Lang, lands_in: &str) {
    let url = b.url().await;
    assert!(url.contains(lands_in), "{who} {lang:?} landed on {url}");
    assert_eq!(
        b.script("return document.documentElement.lang").await,
        serde_json::json!(lang.tag())
    );
    // A refusal is the error page, or a message of the page naming a rule (a note that says what
    // a role lets them do, such as R-SITE-6's on a site's page, is none).
    let refusals = b
        .script("return Array.from(document.querySelectorAll('.flash, #site-notice')).map(e => e.textContent).join(' ')")
        .await;
    assert!(
        !refusals.as_str().unwrap_or_default().contains("(R-")
            && b.text("h1").await != t(lang, "error-title"),
        "{who} landed on a refusal at {url}: {}",
        b.body_text().await
    );
    assert_readable(b, lang).await;
    assert!(
        !b.text("nav.side").await.trim().is_empty(),
        "{who}: an empty menu"
    );
}

/// Provisions a service order in Acme from the account page (R-EXT-8): a subscription with Calling
/// licenses, which the page then lists as sold by Partner Net.
async fn provision_calling(b: &Browser, base: &str, lang: Lang, subscription: &str, calling: u32) {
    b.goto(&format!("{base}/account?org=acme")).await;
    b.wait_for_text(&t(lang, "order-heading")).await;
    assert_readable(b, lang).await;
    b.type_into("#subscription", subscription).await;
    b.type_into("#qty-calling", &calling.to_string()).await;
    b.click("#provision-order").await;
    b.wait_for_text(&t_with(lang, "flash-order", "subscription", subscription))
        .await;
    assert_readable(b, lang).await;
    let sold = b
        .script(&format!(
            "return Array.from(document.querySelectorAll('tbody tr')).filter(tr => tr.cells[0].textContent.trim() === '{subscription}').map(tr => Array.from(tr.cells).map(td => td.textContent.trim()))"
        ))
        .await;
    assert_eq!(
        sold[0][1],
        serde_json::json!("Partner Net BV"),
        "{lang:?}: sold by the partner, named: {sold}"
    );
    assert_eq!(sold[0][3], serde_json::json!("Webex Calling"), "{sold}");
    assert_eq!(sold[0][4], serde_json::json!(calling.to_string()), "{sold}");
    // The org's kind and its partner in the reader's words, the licenses by name, the times as
    // times: no id or ISO form is left for a person to read (issue 14).
    let org_row = column(b, 3).await;
    assert_eq!(org_row[0], t(lang, "org-kind-standard"), "{org_row:?}");
    let partner = column(b, 4).await;
    assert_eq!(
        partner[0],
        t_with(lang, "partner-active", "partner", "Partner Net BV"),
        "{partner:?}"
    );
}

/// The browser, or — outside CI, where chromium may be missing — `None` (CI must have it).
async fn browser() -> Option<Browser> {
    let b = Browser::start().await;
    if b.is_none() {
        assert!(
            std::env::var("CI").is_err(),
            "CI must have chromium and chromium-driver (.ci/run installs them)"
        );
    }
    b
}

async fn start_server() -> (String, Service, tokio::sync::oneshot::Sender<()>, Scratch) {
    let scratch = Scratch::sqlite_file().await.unwrap();
    let service = scratch.service();
    let mut printed = Vec::new();
    assert!(
        rolehub::cli::demo::load(&service, &mut printed)
            .await
            .is_ok(),
        "the demo world loads"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(
        service.clone().with_public_url(base.clone()),
        Config {
            public_url: Some(base.clone()),
            ..Config::default()
        },
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(rolehub_server::serve(state, listener, None, async move {
        let _ = stopped.await;
    }));
    (base, service, stop, scratch)
}

/// A full administrator's main task, in English and in Dutch, each language on its own demo world
/// (the walk changes it): the users list, a role filter (R-LIST-1), a role previewed and saved, a
/// refusal with its rule (R-CCSA-1), an external administrator added, a CSV file previewed with
/// its problem (R-CSV-2) and applied once fixed, the administrators exported (R-EXPORT-1), the
/// other pages, and the language switch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_does_every_task_of_the_seeds_in_the_browser() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    let shots = screenshots();
    std::fs::create_dir_all(&shots).unwrap();
    for lang in LANGS {
        let (base, service, stop, scratch) = start_server().await;
        let en = lang == Lang::En;
        let shot = |name: &str| en.then(|| shots.join(name));

        // Sign in.
        b.goto(&format!("{base}/signin?lang={}", lang.tag())).await;
        if let Some(path) = shot("signin.png") {
            b.screenshot(&path).await;
        }
        assert_readable(&b, lang).await;
        b.type_into("#email", "admin@acme.example").await;
        b.click("button[type=submit]").await;
        b.find("#password").await;
        b.type_into("#password", "rolehub-demo").await;
        b.click("button[type=submit]").await;
        // The console is open once its sign-out form is there (the password step names the person too).
        b.find("form[action=\"/signout\"]").await;
        b.wait_for_text(&t(lang, "tab-admins")).await;
        assert!(b.url().await.contains("/users"), "{}", b.url().await);
        assert_eq!(b.text("h1").await, t(lang, "nav-users"));
        assert_readable(&b, lang).await;
        if let Some(path) = shot("users.png") {
            b.screenshot(&path).await;
        }

        // Filter users by role (R-LIST-1).
        b.goto(&format!(
            "{base}/users?tab=admins&org=acme&roles=cc_service_admin"
        ))
        .await;
        b.wait_for_text(Role::CcServiceAdmin.name(lang)).await;
        let listed = b.text("tbody").await;
        assert!(
            listed.contains("cc.admin@acme.example")
                && listed.contains("ruben.dijkstra@zentech.example"),
            "{lang:?}: {listed}"
        );
        assert!(!listed.contains("readonly@acme.example"), "{listed}");
        assert_readable(&b, lang).await;

        // Give a role with the roles editor: tick it, preview (nothing saved), then confirm.
        b.goto(&format!(
            "{base}/users?tab=all&org=acme&q=readonly%40acme.example"
        ))
        .await;
        b.click("tbody a").await;
        b.find("#preview-roles").await;
        b.wait_for_text(&t(lang, "admin-roles-editor")).await;
        // The check-box editor is the one way to change roles: no one-role form, no per-role
        // buttons beside it.
        assert_eq!(
            b.script("return document.querySelectorAll('select#role, #preview-role, form[action*=\"/roles/preview\"]').length")
                .await,
            serde_json::json!(0),
            "{lang:?}"
        );
        assert_readable(&b, lang).await;
        b.click("input[name=roles][value=support_admin]").await;
        b.click("#preview-roles").await;
        b.wait_for_text(&t(lang, "preview-title")).await;
        assert!(b
            .text("#preview")
            .await
            .contains(Role::SupportAdmin.name(lang)));
        assert_readable(&b, lang).await;
        if let Some(path) = shot("preview.png") {
            b.screenshot(&path).await;
        }
        b.click("#confirm").await;
        b.wait_for_text(&t(lang, "flash-changed")).await;
        assert!(b
            .text("#admin-roles")
            .await
            .contains(Role::SupportAdmin.name(lang)));
        assert_readable(&b, lang).await;
        // R-CCSA-1: the CCSA role is not for a read-only administrator: its box is disabled, with
        // the reason and the rule, once, beside it.
        assert_eq!(
            b.script("return document.querySelector('input[name=roles][value=cc_service_admin]').disabled")
                .await,
            serde_json::json!(true),
            "{lang:?}"
        );
        let editor = b.text("#roles-editor").await;
        assert_eq!(editor.matches("R-CCSA-1").count(), 1, "{lang:?}: {editor}");
        if let Some(path) = shot("user.png") {
            // The roles: held, and the editor's boxes with the reasons beside the disabled ones.
            b.script("document.getElementById('roles-heading').scrollIntoView();")
                .await;
            b.screenshot(&path).await;
        }

        // A set the rules refuse as a whole is explained with its rule: the location role goes
        // with no other role (R-LOC-1), each box allowed on its own.
        let noah = id_of(&service, "noah.dijkstra@acme.example").await;
        b.goto(&format!("{base}/users/{noah}?org=acme")).await;
        b.click("input[name=roles][value=location_admin]").await;
        b.click(".role-box .locations input[name=locations]").await;
        b.click("input[name=roles][value=support_admin]").await;
        b.click("#preview-roles").await;
        b.wait_for_text(&t(lang, "refused")).await;
        let refusal = b.text("#refusal").await;
        assert_eq!(refusal.matches("R-LOC-1").count(), 1, "{lang:?}: {refusal}");
        assert_readable(&b, lang).await;
        if let Some(path) = shot("refusal.png") {
            b.screenshot(&path).await;
        }

        // Add an external administrator: check the email, choose the role, preview, confirm.
        b.goto(&format!("{base}/external/add?org=acme")).await;
        b.type_into("#ext-email", "admin@studio-vos.example").await;
        b.click("#check-email").await;
        b.wait_for_text(&t_with(
            lang,
            "category-other",
            "email",
            "admin@studio-vos.example",
        ))
        .await;
        b.click("#offer-readonly_admin").await;
        assert_readable(&b, lang).await;
        if let Some(path) = shot("external.png") {
            b.screenshot(&path).await;
        }
        b.click("#preview-external").await;
        b.wait_for_text(&t(lang, "will-add")).await;
        assert!(b
            .text("#preview")
            .await
            .contains(Role::ReadonlyAdmin.name(lang)));
        assert_readable(&b, lang).await;
        b.click("#confirm").await;
        b.wait_for_text(&t(lang, "flash-changed")).await;
        assert!(b.text("tbody").await.contains("admin@studio-vos.example"));

        // Modify users with CSV: a file with an error row is previewed with its problem; the fixed
        // file applies.
        let files = TempDir::new("csv");
        let bad = files.0.join("users.csv");
        std::fs::write(
            &bad,
            "User ID/Email,Webex Calling\r\nreadonly@acme.example,TRUE\r\nnobody@acme.example,TRUE\r\n",
        )
        .unwrap();
        b.goto(&format!("{base}/users/csv?org=acme")).await;
        assert_readable(&b, lang).await;
        b.upload("#csv-file", &bad).await;
        b.click("#csv-preview").await;
        b.wait_for_text(&t(lang, "csv-errors")).await;
        let errors = b.text("#csv-errors").await;
        assert!(
            errors.contains("R-CSV-2") && errors.contains("nobody@acme.example"),
            "{lang:?}: {errors}"
        );
        assert_readable(&b, lang).await;
        if let Some(path) = shot("csv.png") {
            b.screenshot(&path).await;
        }
        let good = files.0.join("users-fixed.csv");
        std::fs::write(
            &good,
            "User ID/Email,Webex Calling\r\nreadonly@acme.example,TRUE\r\n",
        )
        .unwrap();
        b.goto(&format!("{base}/users/csv?org=acme")).await;
        b.upload("#csv-file", &good).await;
        b.click("#csv-preview").await;
        b.wait_for_text(&t(lang, "csv-changes")).await;
        assert_readable(&b, lang).await;
        b.click("#csv-apply").await;
        b.wait_for_text(&t_with(lang, "csv-applied", "rows", "1"))
            .await;
        assert_readable(&b, lang).await;

        // Export the administrators and check the downloaded CSV (R-EXPORT-1): Control Hub's file,
        // the same in either language.
        let cookies = b.cookie_header().await;
        let csv = reqwest::Client::new()
            .get(format!("{base}/users/export?org=acme&roles=full_admin"))
            .header("cookie", cookies)
            .send()
            .await
            .unwrap();
        assert!(csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"));
        let text = csv.text().await.unwrap();
        assert!(
            text.starts_with("First/Last Name,User ID/Email,Admin Roles\r\n"),
            "{text}"
        );
        assert!(
            text.contains("Sanne de Vries,admin@acme.example,Full administrator\r\n"),
            "{text}"
        );

        // The other pages.
        for (path, name, expect) in [
            ("/account", "account.png", t(lang, "account-subscriptions")),
            ("/audit", "audit.png", t_part(lang, "chain-intact", "count")),
            (
                "/contact-center",
                "contact-center.png",
                t(lang, "cc-setup-chat"),
            ),
            ("/settings", "settings.png", t(lang, "settings-external")),
        ] {
            b.goto(&format!("{base}{path}?org=acme")).await;
            b.wait_for_text(&expect).await;
            assert_readable(&b, lang).await;
            if let Some(path) = shot(name) {
                b.screenshot(&path).await;
            }
        }

        // Switch the language from the header: to Dutch in the English pass, to English in the
        // Dutch one.
        let other = if en { Lang::Nl } else { Lang::En };
        b.goto(&format!("{base}/users?org=acme")).await;
        b.script(&format!("var s = document.getElementById('lang-switch'); s.value = '{}'; s.form.querySelector('button').click();", other.tag())).await;
        b.wait_for_text(&t(other, "tab-external")).await;
        assert_eq!(b.text("h1").await, t(other, "nav-users"));
        assert_eq!(
            b.script("return document.documentElement.lang").await,
            serde_json::json!(other.tag())
        );
        if en {
            b.screenshot(&shots.join("users-nl.png")).await;
        }
        sign_out(&b).await;
        let _ = stop.send(());
        scratch.close().await;
    }
    b.quit().await;
}

/// A read-only administrator, in English and in Dutch: the console opens on the users, the menu
/// has no Contact Center (R-CC-3) and no audit log, settings are shown read-only, the Contact
/// Center page names its rule, and an address that is not there is the console's not-found page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_administrator_sees_read_only_pages_and_no_contact_center() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    let (base, _service, stop, scratch) = start_server().await;
    for lang in LANGS {
        sign_in_in(&b, &base, "readonly@acme.example", lang.tag()).await;
        b.wait_for_text(&t(lang, "tab-admins")).await;
        assert_readable(&b, lang).await;
        let nav = b.text("nav").await;
        // R-CC-3: an internal read-only admin has no Contact Center pages; matrix: no audit log.
        assert!(
            !nav.contains(&t(lang, "nav-contact-center")) && !nav.contains(&t(lang, "nav-audit")),
            "{lang:?}: {nav}"
        );
        b.goto(&format!("{base}/settings?org=acme")).await;
        b.wait_for_text(&t(lang, "read-only-view")).await;
        assert_readable(&b, lang).await;
        b.goto(&format!("{base}/contact-center?org=acme")).await;
        b.wait_for_text("R-CC-3").await;
        assert_readable(&b, lang).await;
        // A mistyped address, or a person who is not there: the console's not-found page, in
        // their language, with the org named as on every page.
        for path in ["/no-such-page", "/users/no-such-person?org=acme"] {
            b.goto(&format!("{base}{path}")).await;
            assert_eq!(b.text("h1").await, t(lang, "not-found-title"), "{path}");
            assert!(b.text("header").await.contains("Acme BV"), "{path}");
            assert_readable(&b, lang).await;
        }
        // It is a console page: the console's style sheet is allowed; without a session the
        // answer is still the API's.
        let http = reqwest::Client::new();
        let page = http
            .get(format!("{base}/no-such-page"))
            .header("accept", "text/html")
            .header("cookie", b.cookie_header().await)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status().as_u16(), 404);
        let policy = page.headers()["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("style-src 'self'"), "{policy}");
        let api = http
            .get(format!("{base}/no-such-page"))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(api.status().as_u16(), 404);
        assert!(api.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        sign_out(&b).await;
    }
    b.quit().await;
    let _ = stop.send(());
    scratch.close().await;
}

/// A full administrator connects an identity provider from the console, in English and in Dutch,
/// each language on its own demo world: the SCIM address, a SCIM token shown once (and working at
/// the SCIM address), a provider's group linked to a role whose members then hold it, and the
/// token revoked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_administrator_connects_scim_provisioning_in_the_browser() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    for lang in LANGS {
        let (base, _service, stop, scratch) = start_server().await;
        sign_in_in(&b, &base, "admin@acme.example", lang.tag()).await;
        b.goto(&format!("{base}/provisioning?org=acme")).await;
        b.wait_for_text(&t(lang, "scim-title")).await;
        assert_readable(&b, lang).await;
        let address = b
            .script("return document.getElementById('scim-url').value")
            .await;
        assert_eq!(address, format!("{base}/identity/scim/acme/v2"));
        b.type_into("#token-name", "entra").await;
        b.click("#create-scim-token").await;
        b.wait_for_text(&t(lang, "scim-token-once")).await;
        assert_readable(&b, lang).await;
        let secret = b
            .script("return document.getElementById('scim-secret').value")
            .await;
        let secret = secret.as_str().unwrap().to_string();

        // The token works at the SCIM address: the provider creates a group with a member.
        let http = reqwest::Client::new();
        let scim = format!("{base}/identity/scim/acme/v2");
        let users: serde_json::Value = http
            .get(format!(
                "{scim}/Users?filter=userName%20eq%20%22noah.dijkstra%40acme.example%22"
            ))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let member = users["Resources"][0]["id"].as_str().unwrap().to_string();
        let created = http
            .post(format!("{scim}/Groups"))
            .bearer_auth(&secret)
            .json(&serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Device team", "members": [{"value": member}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status().as_u16(), 201);

        // Link the group to a role; its member holds it, and their page says where it comes from.
        b.goto(&format!("{base}/provisioning?org=acme")).await;
        b.wait_for_text("Device team").await;
        // The roles are offered by name, never by id.
        assert_no_raw_values(&b).await;
        let offered = b
            .script("return Array.from(document.querySelector('select[name=role]').options).map(o => o.textContent)")
            .await;
        assert!(
            offered
                .as_array()
                .unwrap()
                .contains(&serde_json::json!(Role::DeviceAdmin.name(lang))),
            "{offered}"
        );
        b.script("var s = document.querySelector('select[name=role]'); s.value = 'device_admin'; s.form.submit();").await;
        b.wait_for_text(&t(lang, "flash-group-role")).await;
        assert_readable(&b, lang).await;
        b.goto(&format!("{base}/users/{member}?org=acme")).await;
        b.wait_for_text(&t(lang, "roles-from-groups")).await;
        let from_groups = b.text("#group-roles").await;
        assert!(
            from_groups.contains(&format!("{} (Device team)", Role::DeviceAdmin.name(lang))),
            "{from_groups}"
        );
        assert_readable(&b, lang).await;

        // Revoke the token: the provider is shut out.
        b.goto(&format!("{base}/provisioning?org=acme")).await;
        b.script("document.querySelector('form[action*=\"/revoke\"]').submit();")
            .await;
        b.wait_for_text(&t(lang, "flash-token-revoked")).await;
        assert_readable(&b, lang).await;
        let after = http
            .get(format!("{scim}/Users"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap();
        assert_eq!(after.status().as_u16(), 401);
        sign_out(&b).await;
        let _ = stop.send(());
        scratch.close().await;
    }
    b.quit().await;
}

/// What axe-core finds on the page (critical and serious violations), with its raw values and, in
/// the Dutch pass, the English console's words, each line named by `label`.
async fn findings_here(b: &Browser, label: &str, lang: &str) -> Vec<String> {
    let mut found = Vec::new();
    for v in b.axe().await.unwrap_or_default() {
        found.push(format!("{label}: {v}"));
    }
    for raw in raw_values_on(b).await {
        found.push(format!("{label}: {raw}"));
    }
    if lang == "nl" {
        let english = english_on(b).await;
        if !english.is_empty() {
            found.push(format!("{label}: English words {english:?}"));
        }
    }
    found
}

/// Accessibility: axe-core finds no critical or serious violation on any page, in English and in
/// Dutch, for each administrator of the demo world (the compliance officer on their Compliance
/// page, the location administrator, the provisioning administrator's service order form, the
/// Events administrator's Events page, the support, device, call-history, site user and site
/// read-only administrators, an external CCSA), on the pages a form answers (a roles set's
/// preview and its refusal, the external email check with its offered roles and its preview, a
/// site role's preview, an Events administrator's preview, a kept CSV upload and a job), and on an
/// external administrator's page; and no Dutch page shows a word of the English console.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_core_in_both_languages() {
    let Some(b) = browser().await else {
        return;
    };
    let (base, service, stop, scratch) = start_server().await;
    let now = rolehub_store::clock::system_now();
    let noah = id_of(&service, "noah.dijkstra@acme.example").await;
    let ava = id_of(&service, "ava.clarke@zentech.example").await;
    // A kept CSV upload, and a job that applies another.
    let admin = rolehub_store::Ctx::new("admin@acme.example", "acme", now);
    let file = b"User ID/Email,Webex Calling\r\nreadonly@acme.example,TRUE\r\nnobody@acme.example,TRUE\r\n";
    let upload = service.preview_csv(&admin, file).await.unwrap().upload.id;
    let queued = service
        .preview_csv(
            &admin,
            b"User ID/Email,Webex Calling\r\nreadonly@acme.example,TRUE\r\n",
        )
        .await
        .unwrap()
        .upload
        .id;
    let job = match service
        .apply_upload(
            &admin,
            &queued,
            rolehub_store::service::ImportOptions::default(),
            true,
        )
        .await
        .unwrap()
    {
        rolehub_store::service::Applied::Queued(job) => job.id,
        rolehub_store::service::Applied::Done(_) => panic!("the upload was to be applied by a job"),
    };
    let mut found = Vec::new();
    let mut checked = 0;
    for (who, pages) in [
        (
            "admin@acme.example",
            vec![
                "/users?org=acme".to_string(),
                "/users?tab=admins&org=acme".into(),
                "/users?tab=external&org=acme".into(),
                format!("/users/{noah}?org=acme"),
                // An external administrator's page.
                format!("/users/{ava}?org=acme"),
                "/users/csv?org=acme".into(),
                format!("/users/csv/uploads/{upload}?org=acme"),
                format!("/jobs/{job}?org=acme"),
                "/external/add?org=acme".into(),
                "/account?org=acme".into(),
                "/troubleshooting?org=acme".into(),
                "/contact-center?org=acme".into(),
                "/events?org=acme".into(),
                // Matrix note 4: a full administrator without the role, the tools disabled.
                "/compliance?org=acme".into(),
                "/settings?org=acme".into(),
                "/audit?org=acme".into(),
                "/provisioning?org=acme".into(),
                "/security".into(),
                "/settings/sign-in?org=acme".into(),
                "/sites?org=acme".into(),
                "/sites?org=acme&site=acme-training.webex.com".into(),
                "/no-such-page".into(),
                "/users?org=acme".into(),
            ],
        ),
        (
            "readonly@acme.example",
            vec![
                "/users?org=acme".to_string(),
                "/settings?org=acme".into(),
                "/account?org=acme".into(),
                "/audit?org=acme".into(),
            ],
        ),
        (
            "userdevices@acme.example",
            vec!["/".to_string(), format!("/users/{noah}?org=acme")],
        ),
        (
            "events@acme.example",
            vec!["/".to_string(), format!("/users/{noah}?org=acme")],
        ),
        (
            "cc.admin@acme.example",
            vec![
                "/".to_string(),
                "/users?tab=admins&org=acme".into(),
                format!("/users/{noah}?org=acme"),
                "/contact-center?org=acme".into(),
                "/account?org=acme".into(),
                "/troubleshooting?org=acme".into(),
            ],
        ),
        (
            "site.admin@acme.example",
            vec![
                "/".to_string(),
                "/sites?org=acme".into(),
                "/sites?org=acme&site=acme.webex.com&q=site.admin%40acme.example".into(),
            ],
        ),
        ("ava.clarke@zentech.example", vec!["/".to_string()]),
        (
            "compliance@acme.example",
            vec!["/".to_string(), "/compliance?org=acme".into()],
        ),
        ("rotterdam.admin@acme.example", vec!["/".to_string()]),
        (
            "oliver.hughes@partnernet.example",
            vec!["/".to_string(), "/account?org=acme".into()],
        ),
        (
            "pim.bakker@partnernet.example",
            vec![
                "/".to_string(),
                "/users?org=acme".into(),
                "/account?org=acme".into(),
            ],
        ),
        ("support@acme.example", vec!["/".to_string()]),
        ("devices@acme.example", vec!["/".to_string()]),
        ("cdr@acme.example", vec!["/".to_string()]),
        ("site.users@acme.example", vec!["/".to_string()]),
        ("site.readonly@acme.example", vec!["/".to_string()]),
        (
            "ruben.dijkstra@zentech.example",
            vec!["/".to_string(), "/users?tab=admins&org=acme".into()],
        ),
    ] {
        for lang in ["en", "nl"] {
            b.goto(&format!("{base}/signin?lang={lang}")).await;
            if b.axe().await.is_none() {
                assert!(
                    std::env::var("CI").is_err(),
                    "CI must have axe-core under target/axe (.ci/run installs it)"
                );
                eprintln!(
                    "axe-core is not installed under target/axe; the check is left to .ci/run"
                );
                b.quit().await;
                let _ = stop.send(());
                scratch.close().await;
                return;
            }
            for v in b.axe().await.unwrap_or_default() {
                found.push(format!("{lang} /signin: {v}"));
            }
            b.type_into("#email", who).await;
            b.click("button[type=submit]").await;
            b.find("#password").await;
            b.type_into("#password", "rolehub-demo").await;
            b.click("button[type=submit]").await;
            // The console is open once its sign-out form is there (the password step names the person too).
            b.find("form[action=\"/signout\"]").await;
            // The header names the person once the console is open (the sign-in page does not).
            b.wait_for_text(who).await;
            for page in &pages {
                b.goto(&format!("{base}{page}")).await;
                checked += 1;
                found.extend(findings_here(&b, &format!("{who} {lang} {page}"), lang).await);
            }
            let here = b.body_text().await;
            assert!(
                here.contains(who),
                "{who} {lang}: the last page is not a console page: {here}"
            );
            sign_out(&b).await;
        }
    }

    // The pages a form answers, in both languages.
    for lang in LANGS {
        let tag = lang.tag();
        sign_in_in(&b, &base, "admin@acme.example", tag).await;
        // A roles set's preview, and a set refused as a whole (R-LOC-1).
        b.goto(&format!("{base}/users/{noah}?org=acme")).await;
        b.click("input[name=roles][value=support_admin]").await;
        b.click("#preview-roles").await;
        b.find("#confirm").await;
        found.extend(findings_here(&b, &format!("admin {tag} roles preview"), tag).await);
        b.goto(&format!("{base}/users/{noah}?org=acme")).await;
        b.click("input[name=roles][value=location_admin]").await;
        b.click(".role-box .locations input[name=locations]").await;
        b.click("input[name=roles][value=support_admin]").await;
        b.click("#preview-roles").await;
        b.find("#refusal").await;
        found.extend(findings_here(&b, &format!("admin {tag} roles refusal"), tag).await);
        // The external email check with the roles it offers, and its preview.
        b.goto(&format!("{base}/external/add?org=acme")).await;
        b.type_into("#ext-email", "admin@studio-vos.example").await;
        b.click("#check-email").await;
        b.find("#offer-readonly_admin").await;
        found.extend(findings_here(&b, &format!("admin {tag} external check"), tag).await);
        b.click("#offer-readonly_admin").await;
        b.click("#preview-external").await;
        b.find("#confirm").await;
        found.extend(findings_here(&b, &format!("admin {tag} external preview"), tag).await);
        // A site role's preview.
        b.goto(&format!("{base}/sites?org=acme")).await;
        b.script("document.getElementById('give').open = true;")
            .await;
        b.type_into("#give-person", "noah.dijkstra@acme.example")
            .await;
        b.click("#give-preview").await;
        b.find("#confirm").await;
        found.extend(findings_here(&b, &format!("admin {tag} site role preview"), tag).await);
        sign_out(&b).await;

        // The Events administrator's Events page and their preview.
        sign_in_in(&b, &base, "events@acme.example", tag).await;
        b.goto(&format!("{base}/events?org=acme")).await;
        found.extend(findings_here(&b, &format!("events {tag} /events"), tag).await);
        b.type_into("#events-person", "noah.dijkstra@acme.example")
            .await;
        b.click("#events-give-preview").await;
        b.find("#confirm").await;
        found.extend(findings_here(&b, &format!("events {tag} events preview"), tag).await);
        checked += 8;
        sign_out(&b).await;
    }
    assert!(checked > 60, "{checked}");
    assert!(
        found.is_empty(),
        "axe-core violations, raw values, or English on a Dutch page:\n{}",
        found.join("\n")
    );
    b.quit().await;
    let _ = stop.send(());
    scratch.close().await;
}

/// Each administrator lands on the first page their roles reach, in English and in Dutch: an
/// external read-only administrator in the customer org they administer (their home org gives
/// them nothing), a site administrator, a site user administrator and a site read-only
/// administrator on their site's users, an Events administrator on the Events page, a location
/// administrator on the users of their location, a compliance officer on the Compliance page, a
/// provisioning administrator on the external administrators they may read (R-CC-2), a partner
/// administrator in their own org, a support administrator on Troubleshooting, a CCSA on the
/// users, and an external CCSA on the users of an org they administer — never on a refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_administrator_lands_on_a_page_their_roles_reach() {
    let Some(b) = browser().await else {
        return;
    };
    let (base, _service, stop, scratch) = start_server().await;
    let personas = [
        ("ava.clarke@zentech.example", "org=acme"),
        ("site.admin@acme.example", "/sites?org=acme"),
        ("events@acme.example", "/events?org=acme"),
        ("admin@acme.example", "/users?org=acme"),
        ("rotterdam.admin@acme.example", "/users?org=acme"),
        ("compliance@acme.example", "/compliance?org=acme"),
        ("oliver.hughes@partnernet.example", "/users?org=acme"),
        ("pim.bakker@partnernet.example", "/users?org=pnet"),
        ("support@acme.example", "/troubleshooting?org=acme"),
        ("site.users@acme.example", "/sites?org=acme"),
        ("site.readonly@acme.example", "/sites?org=acme"),
        ("cc.admin@acme.example", "/users?org=acme"),
        ("ruben.dijkstra@zentech.example", "/users?org="),
    ];
    for (lang, (who, lands_in)) in LANGS
        .into_iter()
        .flat_map(|lang| personas.map(|p| (lang, p)))
    {
        sign_in_in(&b, &base, who, lang.tag()).await;
        assert_landed(&b, who, lang, lands_in).await;
        if who.starts_with("rotterdam") {
            // A location administrator sees the users of their location.
            assert_eq!(
                b.script("return document.getElementById('location').value")
                    .await,
                serde_json::json!("rotterdam")
            );
            assert!(b.text("tbody").await.contains("@acme.example"));
        }
        sign_out(&b).await;
    }
    b.quit().await;
    let _ = stop.send(());
    scratch.close().await;
}

/// A full administrator adds a user, deactivates, reactivates and removes them from the console;
/// a user and device administrator who tries to deactivate a full administrator is told why not
/// (reading A-8). In English and in Dutch, each language with a colleague of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_added_deactivated_and_removed_in_the_console() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    let (base, service, stop, scratch) = start_server().await;
    let admin = id_of(&service, "daan.meijer@acme.example").await;
    let ctx = rolehub_store::Ctx::new(
        "admin@acme.example",
        "acme",
        rolehub_store::clock::system_now(),
    );
    for i in 0..51 {
        let user = rolehub_store::service::NewUser {
            email: format!("qrs.{i:02}@acme.example"),
            first: "Q+R&S".into(),
            last: format!("Person {i:02}"),
            ..rolehub_store::service::NewUser::default()
        };
        service.add_user(&ctx, &user).await.unwrap();
    }
    for lang in LANGS {
        sign_in_in(&b, &base, "admin@acme.example", lang.tag()).await;
        // Lists: the role filter is check-boxes; the count and the filters in force are shown, and
        // cleared in one step.
        b.goto(&format!("{base}/users?org=acme")).await;
        b.click("input[name=roles][value=cc_service_admin]").await;
        b.click("form.toolbar button[type=submit]").await;
        b.wait_for_text(&format!(
            "{} {}",
            t(lang, "filtered-by"),
            Role::CcServiceAdmin.name(lang)
        ))
        .await;
        let count = b.text("#result-count").await;
        let n: usize = count
            .split(|c: char| !c.is_ascii_digit())
            .find(|part| !part.is_empty())
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            count.starts_with(&Tr { lang }.with_count("count-all", "count", n)),
            "{lang:?}: {count}"
        );
        assert_readable(&b, lang).await;
        b.click("#clear-filters").await;
        b.wait_for_text(&t_part(lang, "count-more", "count")).await;
        assert!(!b.url().await.contains("roles="));
        assert_readable(&b, lang).await;
        // The next page keeps the search, encoded: 51 people whose names begin with `Q+R&S` fill
        // a page and one more, and the second page is still that search.
        b.goto(&format!("{base}/users?org=acme")).await;
        b.type_into("#q", "Q+R&S").await;
        b.click("form.toolbar button[type=submit]").await;
        b.wait_for_text(&t_part(lang, "count-more", "count")).await;
        assert_eq!(column(&b, 2).await.len(), 50, "{lang:?}");
        b.click(".pager a").await;
        b.wait_for_text(&Tr { lang }.with_count("count-all", "count", 1))
            .await;
        let url = b.url().await;
        assert!(
            url.contains("after=") && url.contains("q=Q%2BR%26S"),
            "{url}"
        );
        assert_eq!(
            b.script("return document.getElementById('q').value").await,
            serde_json::json!("Q+R&S")
        );
        assert_eq!(column(&b, 2).await.len(), 1, "{lang:?}");
        assert_readable(&b, lang).await;

        // The administrators, a page at a time: Acme's fit on the first, and a page past the
        // last lists no one.
        b.goto(&format!("{base}/users?tab=admins&org=acme")).await;
        assert_eq!(
            b.script("return document.querySelectorAll('.pager a').length")
                .await,
            serde_json::json!(0)
        );
        assert!(b.text("tbody").await.contains("admin@acme.example"));
        b.goto(&format!("{base}/users?tab=admins&org=acme&page=2"))
            .await;
        b.wait_for_text(&t(lang, "none-found")).await;
        assert_readable(&b, lang).await;

        let email = format!("new.colleague.{}@acme.example", lang.tag());
        b.goto(&format!("{base}/users?org=acme")).await;
        b.script("document.querySelector('details.card').open = true;")
            .await;
        assert_readable(&b, lang).await;
        b.type_into("#new-email", &email).await;
        b.type_into("#new-first", "New").await;
        b.type_into("#new-last", "Colleague").await;
        b.click("#add-user").await;
        b.wait_for_text(&t_with(lang, "flash-user-added", "email", &email))
            .await;
        assert_readable(&b, lang).await;
        b.click("#deactivate").await;
        b.wait_for_text(&t(lang, "flash-deactivated")).await;
        assert_readable(&b, lang).await;
        b.click("#reactivate").await;
        b.wait_for_text(&t(lang, "flash-reactivated")).await;
        b.click("#confirm-remove").await;
        b.click("#remove-user").await;
        b.wait_for_text(&t_with(lang, "flash-removed", "email", &email))
            .await;
        assert_readable(&b, lang).await;
        assert!(service.operator("tests").person(&email).await.is_err());
        sign_out(&b).await;

        // Reading A-8: deactivating a full administrator takes away what their role gives.
        sign_in_in(&b, &base, "userdevices@acme.example", lang.tag()).await;
        b.goto(&format!("{base}/users/{admin}?org=acme")).await;
        b.click("#deactivate").await;
        b.wait_for_text("(R-ASSIGN").await;
        assert_readable(&b, lang).await;
        sign_out(&b).await;
    }
    b.quit().await;
    let _ = stop.send(());
    scratch.close().await;
}

/// Whether the page is wider than the window (a word that did not wrap).
async fn overflows(b: &Browser) -> bool {
    b.script("return document.documentElement.scrollWidth > document.documentElement.clientWidth")
        .await
        == serde_json::json!(true)
}

/// A 256-character name (one word, the longest a name may be) wraps: the user's page, its flash
/// message, the users list and the list's search never make the page wider than the window. In
/// English and in Dutch, each with a user of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_256_character_name_wraps_on_every_page_that_shows_it() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    let (base, _service, stop, scratch) = start_server().await;
    let long = "W".repeat(256);
    for lang in LANGS {
        sign_in_in(&b, &base, "admin@acme.example", lang.tag()).await;
        let email = format!("long.name.{}@acme.example", lang.tag());
        b.goto(&format!("{base}/users?org=acme")).await;
        b.script("document.querySelector('details.card').open = true;")
            .await;
        b.type_into("#new-email", &email).await;
        b.type_into("#new-first", &long).await;
        b.type_into("#new-last", "Colleague").await;
        b.click("#add-user").await;
        b.wait_for_text(&t_with(lang, "flash-user-added", "email", &email))
            .await;
        assert!(b.text("h1").await.starts_with(&long[..40]), "{lang:?}");
        assert!(!overflows(&b).await, "{lang:?}: the user's page overflows");
        for page in [
            format!("/users?org=acme&q={}", email.replace('@', "%40")),
            format!("/users?org=acme&q={long}"),
            "/users?tab=admins&org=acme".to_string(),
        ] {
            b.goto(&format!("{base}{page}")).await;
            b.find("h1").await;
            assert!(!overflows(&b).await, "{lang:?}: {page} overflows");
        }
        sign_out(&b).await;
    }
    b.quit().await;
    let _ = stop.send(());
    scratch.close().await;
}

/// Presses Tab until the focused element's description (`Browser::focused`) satisfies `wanted`,
/// and answers it; fails after 300 presses.
async fn tab_to(b: &Browser, wanted: impl Fn(&str) -> bool) -> String {
    for _ in 0..300 {
        b.press(&[keys::TAB]).await;
        let at = b.focused().await;
        if wanted(&at) {
            return at;
        }
    }
    panic!("Tab never reached the element on {}", b.url().await);
}

/// The console by keyboard alone, in English and in Dutch, each language on a user of its own:
/// from the top of a page Tab reaches the skip link first, and Enter on it moves the focus to the
/// page's content; in the roles editor a role is ticked with Space, and the change previewed and
/// saved with Enter; moving through the language and org selects with the keyboard changes
/// nothing until their button is pressed (WCAG 3.2.2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_works_by_keyboard_alone() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    let (base, service, stop, scratch) = start_server().await;
    let skip_link_focused =
        "return document.activeElement.classList.contains('skip-link') && document.activeElement.getAttribute('href') === '#main'";
    for (lang, user) in [
        (Lang::En, "noah.dijkstra@acme.example"),
        (Lang::Nl, "zoe.smit@acme.example"),
    ] {
        let id = id_of(&service, user).await;
        sign_in_in(&b, &base, "admin@acme.example", lang.tag()).await;
        b.goto(&format!("{base}/users/{id}?org=acme")).await;
        b.find("#roles-editor").await;

        // The skip link comes first, and takes the focus to the content.
        b.press(&[keys::TAB]).await;
        assert_eq!(
            b.script(skip_link_focused).await,
            serde_json::json!(true),
            "{lang:?}: first Tab reached {}",
            b.focused().await
        );
        // Focused, it is on screen, and it shows its focus.
        let seen = "var e = document.activeElement; var r = e.getBoundingClientRect(); \
                    return r.top >= 0 && r.bottom <= window.innerHeight && getComputedStyle(e).outlineStyle !== 'none';";
        assert_eq!(b.script(seen).await, serde_json::json!(true), "{lang:?}");
        b.press(&[keys::ENTER]).await;
        assert_eq!(b.focused().await, "main#main", "{lang:?}");

        // The roles editor: Tab to a role, Space ticks it, Enter on Preview, Enter on Confirm.
        let support = "[roles=support_admin]";
        tab_to(&b, |at| at.ends_with(support)).await;
        b.press(&[keys::SPACE]).await;
        assert_eq!(
            b.script(
                "return document.querySelector('input[name=roles][value=support_admin]').checked"
            )
            .await,
            serde_json::json!(true),
            "{lang:?}: Space ticks the role"
        );
        tab_to(&b, |at| at == "button#preview-roles").await;
        assert_eq!(
            b.script("return getComputedStyle(document.activeElement).outlineStyle !== 'none'")
                .await,
            serde_json::json!(true),
            "{lang:?}: the focused button shows its focus"
        );
        b.press(&[keys::ENTER]).await;
        b.wait_for_text(&t(lang, "will-add")).await;
        assert!(b
            .text("#preview")
            .await
            .contains(Role::SupportAdmin.name(lang)));
        tab_to(&b, |at| at == "button#confirm").await;
        b.press(&[keys::ENTER]).await;
        b.wait_for_text(&t(lang, "flash-changed")).await;
        assert!(
            b.text("#admin-roles")
                .await
                .contains(Role::SupportAdmin.name(lang)),
            "{lang:?}"
        );
        assert_readable(&b, lang).await;

        // The language select: the arrow key changes its value, not the page.
        let before = b.url().await;
        b.script("document.getElementById('lang-switch').focus();")
            .await;
        // English is the first of the two, Dutch the last.
        b.press(&[if lang == Lang::En {
            keys::DOWN
        } else {
            keys::UP
        }])
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        assert_ne!(
            b.script("return document.getElementById('lang-switch').value")
                .await,
            serde_json::json!(lang.tag()),
            "{lang:?}: the arrow key moved to the other language"
        );
        assert_eq!(b.url().await, before, "{lang:?}");
        assert_eq!(
            b.script("return document.documentElement.lang").await,
            serde_json::json!(lang.tag()),
            "{lang:?}: the page's language is unchanged"
        );
        sign_out(&b).await;

        // The org select of a partner administrator, likewise.
        b.delete_cookies().await;
        sign_in_in(&b, &base, "pim.bakker@partnernet.example", lang.tag()).await;
        let before = b.url().await;
        let chosen = b
            .script("return document.getElementById('org-switch').value")
            .await;
        let last = b
            .script("var s = document.getElementById('org-switch'); s.focus(); return s.selectedIndex === s.options.length - 1;")
            .await;
        b.press(&[if last == serde_json::json!(true) {
            keys::UP
        } else {
            keys::DOWN
        }])
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        assert_ne!(
            b.script("return document.getElementById('org-switch').value")
                .await,
            chosen,
            "{lang:?}: the arrow key moved to another org"
        );
        assert_eq!(b.url().await, before, "{lang:?}");
        sign_out(&b).await;
    }
    b.quit().await;
    let _ = stop.send(());
    scratch.close().await;
}

/// The user administrator's main task (the demo's user and device administrator), in English and
/// in Dutch, each language with a user of its own: they land on the users, add a user, and give
/// them a Calling license on their page (saved in the service); from the console's CSV page a
/// malformed file is refused on that page in plain words, naming its line and its rule once
/// (R-CSV-2), and a semicolon-separated file (Excel's in Dutch) previews and applies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_administrator_adds_a_user_and_changes_licenses_in_both_languages() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    let (base, service, stop, scratch) = start_server().await;
    let me = "userdevices@acme.example";
    let files = TempDir::new("csv-user-admin");
    for lang in LANGS {
        sign_in_in(&b, &base, me, lang.tag()).await;
        assert_landed(&b, me, lang, "/users?org=acme").await;

        // Add a user: they open on their page.
        let email = format!("added.by.user.admin.{}@acme.example", lang.tag());
        b.script("document.querySelector('details.card').open = true;")
            .await;
        b.type_into("#new-email", &email).await;
        b.type_into("#new-first", "Added").await;
        b.type_into("#new-last", "User").await;
        b.click("#add-user").await;
        b.wait_for_text(&t_with(lang, "flash-user-added", "email", &email))
            .await;
        assert_readable(&b, lang).await;

        // Give them a Calling license.
        b.click("input[name=license][value=calling]").await;
        b.click("#save-licenses").await;
        b.wait_for_text(&t(lang, "flash-licenses")).await;
        assert_readable(&b, lang).await;
        let ctx = rolehub_store::Ctx::new(
            "admin@acme.example",
            "acme",
            rolehub_store::clock::system_now(),
        );
        let held = service.get_person(&ctx, &email).await.unwrap().licenses;
        assert!(held.iter().any(|l| l == "calling"), "{lang:?}: {held:?}");

        // A malformed file: a line with more cells than the header.
        let bad = files.0.join(format!("malformed-{}.csv", lang.tag()));
        std::fs::write(
            &bad,
            "User ID/Email,Webex Calling\r\nreadonly@acme.example,TRUE,extra\r\n",
        )
        .unwrap();
        b.goto(&format!("{base}/users/csv?org=acme")).await;
        b.upload("#csv-file", &bad).await;
        b.click("#csv-preview").await;
        b.find(".flash.bad").await;
        assert!(b.url().await.contains("/users/csv"), "{}", b.url().await);
        let refusal = b.text(".flash.bad").await;
        let words = match lang {
            Lang::En => "3 cells where the header has 2",
            Lang::Nl => "3 cellen waar de kopregel er 2 heeft",
        };
        assert!(refusal.contains(words), "{lang:?}: {refusal}");
        assert_eq!(refusal.matches("R-CSV-2").count(), 1, "{lang:?}: {refusal}");
        assert_readable(&b, lang).await;

        // A semicolon-separated file previews and applies.
        let semicolons = files.0.join(format!("semicolons-{}.csv", lang.tag()));
        std::fs::write(
            &semicolons,
            format!("User ID/Email;Webex Calling\r\n{email};FALSE\r\n"),
        )
        .unwrap();
        b.goto(&format!("{base}/users/csv?org=acme")).await;
        b.upload("#csv-file", &semicolons).await;
        b.click("#csv-preview").await;
        b.wait_for_text(&t(lang, "csv-changes")).await;
        assert!(b.text("#csv-changes").await.contains(&email));
        assert_readable(&b, lang).await;
        b.click("#csv-apply").await;
        b.wait_for_text(&t_with(lang, "csv-applied", "rows", "1"))
            .await;
        let held = service.get_person(&ctx, &email).await.unwrap().licenses;
        assert!(!held.iter().any(|l| l == "calling"), "{lang:?}: {held:?}");
        sign_out(&b).await;
    }
    b.quit().await;
    let _ = stop.send(());
    scratch.close().await;
}

/// Services and licenses on a user's page: a Contact Center service administrator changes the
/// Contact Center licenses and no other (R-CCSA-8, R-CCSA-10), in English and in Dutch, each
/// language on a user of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ccsa_changes_contact_center_licenses_on_the_user_page() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    let (base, service, stop, scratch) = start_server().await;
    for (lang, user) in [
        (Lang::En, "noah.dijkstra@acme.example"),
        (Lang::Nl, "zoe.smit@acme.example"),
    ] {
        let id = id_of(&service, user).await;
        sign_in_in(&b, &base, "cc.admin@acme.example", lang.tag()).await;
        // R-CCSA-9: the administrators they see are CCSAs, so that is the one role to filter by.
        b.goto(&format!("{base}/users?tab=admins&org=acme")).await;
        assert_eq!(
            b.script("return Array.from(document.querySelectorAll('.role-filter input[name=roles]')).map(i => i.value)")
                .await,
            serde_json::json!(["cc_service_admin"]),
            "{lang:?}"
        );
        assert_readable(&b, lang).await;
        b.goto(&format!("{base}/users/{id}?org=acme")).await;
        b.wait_for_text(&t(lang, "services-licenses")).await;
        assert_readable(&b, lang).await;
        let disabled = b
            .script("return document.querySelector('input[name=license][value=calling]').disabled")
            .await;
        assert_eq!(
            disabled,
            serde_json::json!(true),
            "a CCSA changes no Calling license"
        );
        b.click("input[name=license][value=cc_standard_agent]")
            .await;
        b.click("#save-licenses").await;
        b.wait_for_text(&t(lang, "flash-licenses")).await;
        assert_readable(&b, lang).await;
        let holds = b
            .script(
                "return document.querySelector('input[name=license][value=cc_standard_agent]').checked",
            )
            .await;
        assert_eq!(holds, serde_json::json!(true), "{lang:?}");
        sign_out(&b).await;
    }
    b.quit().await;
    let _ = stop.send(());
    scratch.close().await;
}

/// The roles editor: check-boxes saved as one previewed change; roles the rules refuse this person
/// are disabled, with the rule beside them. In English and in Dutch, each language on a user of its
/// own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_are_set_with_check_boxes_as_one_previewed_change() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    let (base, service, stop, scratch) = start_server().await;
    for (lang, user, place) in [
        (Lang::En, "noah.dijkstra@acme.example", "Utrecht"),
        (Lang::Nl, "zoe.smit@acme.example", "London"),
    ] {
        let id = id_of(&service, user).await;
        sign_in_in(&b, &base, "admin@acme.example", lang.tag()).await;
        b.goto(&format!("{base}/users/{id}?org=acme")).await;
        b.wait_for_text(&t(lang, "roles-editor-note")).await;
        assert_readable(&b, lang).await;
        // The org and the location by name, not by id.
        assert_eq!(b.text("#person-org").await, "Acme BV");
        assert_eq!(b.text("#person-location").await, place);
        // The provisioning role is a partner's: refused for a user of the org, and said so.
        let disabled = b
            .script(
                "return document.querySelector('input[name=roles][value=provisioning_admin]').disabled",
            )
            .await;
        assert_eq!(disabled, serde_json::json!(true));
        let reasons = b.text("#roles-editor").await;
        assert!(reasons.contains("(R-"), "{lang:?}: {reasons}");
        // Values in a reason are quoted as prose (“acme.webex.com”), not as the API quotes them.
        assert!(
            reasons.contains("“acme.webex.com”") && !reasons.contains('`'),
            "{lang:?}: {reasons}"
        );
        b.click("input[name=roles][value=support_admin]").await;
        b.click("input[name=roles][value=device_admin]").await;
        b.click("#preview-roles").await;
        b.wait_for_text(&t(lang, "will-add")).await;
        assert_readable(&b, lang).await;
        let preview = b.text("#preview").await;
        let (support, device) = (Role::SupportAdmin.name(lang), Role::DeviceAdmin.name(lang));
        assert!(
            preview.contains(support) && preview.contains(device),
            "{lang:?}: {preview}"
        );
        b.click("#confirm").await;
        b.wait_for_text(&t(lang, "flash-changed")).await;
        assert_readable(&b, lang).await;
        let roles = b.text("#admin-roles").await;
        assert!(
            roles.contains(support) && roles.contains(device),
            "{lang:?}: {roles}"
        );
        // The audit log, newest first, says which role changed, in words.
        b.goto(&format!("{base}/audit?org=acme")).await;
        b.wait_for_text(&t(lang, "audit-newest-first")).await;
        assert_readable(&b, lang).await;
        let first_row = b.text("tbody tr").await;
        assert!(
            first_row.contains(&format!("{}: ", t(lang, "action-role-assign")))
                && first_row.contains(user),
            "{lang:?}: {first_row}"
        );
        sign_out(&b).await;
    }
    b.quit().await;
    let _ = stop.send(());
    scratch.close().await;
}

/// A held role the actor may not take away is shown ticked and disabled, with its reason and rule
/// (here R-ASSIGN-3: the org's last full administrator on their own page), and a save of other
/// roles keeps it. In English and in Dutch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_role_that_may_not_be_taken_stays_ticked_and_says_why() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    let (base, service, stop, scratch) = start_server().await;
    let admin = rolehub_store::Ctx::new(
        "admin@acme.example",
        "acme",
        rolehub_store::clock::system_now(),
    );
    // The second full administrator and the partner's step down: admin@acme.example is the
    // last one.
    for other in ["daan.meijer@acme.example", "pim.bakker@partnernet.example"] {
        service
            .revoke(&admin, other, "full_admin", None)
            .await
            .unwrap();
    }
    let own = id_of(&service, "admin@acme.example").await;
    for (lang, role) in [
        (Lang::En, Role::SupportAdmin),
        (Lang::Nl, Role::DeviceAdmin),
    ] {
        sign_in_in(&b, &base, "admin@acme.example", lang.tag()).await;
        b.goto(&format!("{base}/users/{own}?org=acme")).await;
        b.wait_for_text(&t(lang, "roles-editor-note")).await;
        assert_readable(&b, lang).await;
        let full = b
            .script(
                "const box = document.querySelector('input[name=roles][value=full_admin]'); \
                 return [box.checked, box.disabled, document.getElementById(box.getAttribute('aria-describedby')).textContent];",
            )
            .await;
        assert_eq!(full[0], serde_json::json!(true), "{lang:?}: {full}");
        assert_eq!(full[1], serde_json::json!(true), "{lang:?}: {full}");
        let reason = full[2].as_str().unwrap_or_default();
        assert_eq!(
            reason.matches("R-ASSIGN-3").count(),
            1,
            "{lang:?}: {reason}"
        );
        // Another role saved with the one Save: the full administrator role stays.
        toggle_role(&b, &base, lang, &own, role, true).await;
        let roles = b.text("#admin-roles").await;
        assert!(
            roles.contains(Role::FullAdmin.name(lang)) && roles.contains(role.name(lang)),
            "{lang:?}: {roles}"
        );
        sign_out(&b).await;
    }
    let held = service
        .operator("tests")
        .roles_of(
            "admin@acme.example",
            "acme",
            rolehub_store::clock::system_now(),
        )
        .await
        .unwrap();
    assert!(
        [Role::FullAdmin, Role::SupportAdmin, Role::DeviceAdmin]
            .iter()
            .all(|r| held.iter().any(|h| h == r.id())),
        "{held:?}"
    );
    b.quit().await;
    let _ = stop.send(());
    scratch.close().await;
}

/// An external read-only administrator's main task, in English and in Dutch: from their own org
/// (Zentech) they land in the customer org they administer, and read its users, its
/// administrators and a user's page, where nothing is theirs to change; the Contact Center page is
/// open to them, read-only (R-CC-3), and adding external administrators is not (R-EXT-2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_external_read_only_administrator_reads_the_customer_org_in_both_languages() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    let (base, service, stop, scratch) = start_server().await;
    let noah = id_of(&service, "noah.dijkstra@acme.example").await;
    for lang in LANGS {
        sign_in_in(&b, &base, "ava.clarke@zentech.example", lang.tag()).await;
        let url = b.url().await;
        assert!(url.contains("org=acme"), "{lang:?}: landed on {url}");
        assert_readable(&b, lang).await;

        // The customer org's users and administrators.
        b.goto(&format!("{base}/users?org=acme")).await;
        assert_eq!(b.text("h1").await, t(lang, "nav-users"));
        assert!(b.text("tbody").await.contains("@acme.example"), "{lang:?}");
        assert_readable(&b, lang).await;
        b.goto(&format!("{base}/users?tab=admins&org=acme")).await;
        let admins = b.text("tbody").await;
        assert!(
            admins.contains("admin@acme.example")
                && admins.contains(Role::FullAdmin.name(lang))
                && admins.contains("ava.clarke@zentech.example"),
            "{lang:?}: {admins}"
        );
        assert_readable(&b, lang).await;

        // A user's page: read, not changed.
        b.goto(&format!("{base}/users/{noah}?org=acme")).await;
        b.wait_for_text(&t(lang, "read-only-view")).await;
        assert_eq!(
            b.script(
                "return document.querySelectorAll('#roles-editor, #revoke-all, #save-licenses, #deactivate').length"
            )
            .await,
            serde_json::json!(0),
            "{lang:?}"
        );
        assert_readable(&b, lang).await;

        // R-CC-3: an external read-only administrator reads the Contact Center pages.
        b.goto(&format!("{base}/contact-center?org=acme")).await;
        b.wait_for_text(&t(lang, "cc-enabled")).await;
        assert!(!b.body_text().await.contains("R-CC-3"), "{lang:?}");
        assert_readable(&b, lang).await;

        // R-EXT-2: external administrators add no external administrators: the users page offers
        // them no button, and the email check, opened by its address, refuses with the rule.
        b.goto(&format!("{base}/users?org=acme")).await;
        assert_eq!(
            b.script("return document.querySelectorAll('a[href^=\"/external/add\"]').length")
                .await,
            serde_json::json!(0),
            "{lang:?}"
        );
        b.goto(&format!("{base}/external/add?org=acme")).await;
        b.type_into("#ext-email", "admin@studio-vos.example").await;
        b.click("#check-email").await;
        b.wait_for_text("R-EXT-2").await;
        assert_readable(&b, lang).await;
        sign_out(&b).await;
    }
    b.quit().await;
    let _ = stop.send(());
    scratch.close().await;
}

/// An external administrator whose last role in the org goes is no longer of it: after the
/// change, the full administrator lands on the org's external administrators, told so in words —
/// never on a "not found" page. Both ways: unticking the last role in the roles editor, and
/// "Revoke all administrator rights". In English and in Dutch, each on its own demo world.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taking_an_external_administrators_last_role_ends_on_the_external_list() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    for lang in LANGS {
        let (base, service, stop, scratch) = start_server().await;
        sign_in_in(&b, &base, "admin@acme.example", lang.tag()).await;
        let gone = |name: &str| t_with(lang, "flash-external-gone", "person", name);

        // The roles editor: Mila Vos holds one site role at Acme; unticking it is her last.
        let mila = id_of(&service, "mila.vos@studio-vos.example").await;
        b.goto(&format!("{base}/users/{mila}?org=acme")).await;
        // An external administrator's org, by its name.
        assert_eq!(b.text("#person-org").await, "Studio Vos");
        b.click("input[name=roles][value=\"site_user_admin@acme-training.webex.com\"]")
            .await;
        b.click("#preview-roles").await;
        b.wait_for_text(&t(lang, "will-remove")).await;
        assert_readable(&b, lang).await;
        b.click("#confirm").await;
        b.wait_for_text(&gone("Mila Vos")).await;
        let url = b.url().await;
        assert!(url.contains("/users?tab=external"), "{lang:?}: {url}");
        assert_ne!(b.text("h1").await, t(lang, "not-found-title"));
        assert!(!b
            .text("tbody")
            .await
            .contains("mila.vos@studio-vos.example"));
        assert_readable(&b, lang).await;

        // Revoke all: Ruben Dijkstra's every role at Acme, previewed, then saved.
        let ruben = id_of(&service, "ruben.dijkstra@zentech.example").await;
        b.goto(&format!("{base}/users/{ruben}?org=acme")).await;
        b.click("#revoke-all").await;
        b.wait_for_text(&t(lang, "will-remove")).await;
        assert!(b
            .text("#preview")
            .await
            .contains(Role::CcServiceAdmin.name(lang)));
        assert_readable(&b, lang).await;
        b.click("#confirm").await;
        b.wait_for_text(&gone("Ruben Dijkstra")).await;
        assert!(b.url().await.contains("/users?tab=external"));
        assert!(!b
            .text("tbody")
            .await
            .contains("ruben.dijkstra@zentech.example"));
        assert_readable(&b, lang).await;
        sign_out(&b).await;
        let _ = stop.send(());
        scratch.close().await;
    }
    b.quit().await;
}

/// The Events administrator's main task, in English and in Dutch, from the console alone: they
/// land on the Events page, where the Webex Events portal opens for them and the Events
/// administrators panel lists the role's holders; they give the role to a colleague by email
/// (previewed, then saved, R-EVT-1), see them listed, and take it back from their row the same
/// way; giving it to an external administrator is refused with its rule, once (R-EXT-3). A device
/// administrator's Events page has no such panel. Each language on a colleague of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_events_administrator_gives_events_admin_in_both_languages() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    let (base, service, stop, scratch) = start_server().await;
    let me = "events@acme.example";
    let role = Role::EventsAdmin;
    let shots = screenshots();
    std::fs::create_dir_all(&shots).unwrap();
    for (lang, user) in [
        (Lang::En, "noah.dijkstra@acme.example"),
        (Lang::Nl, "zoe.smit@acme.example"),
    ] {
        sign_in_in(&b, &base, me, lang.tag()).await;
        assert_landed(&b, me, lang, "/events?org=acme").await;

        // The Events page: the portal opens for them, and the panel lists the role's holders.
        assert_eq!(b.text("h1").await, t(lang, "nav-events"));
        b.wait_for_text(&t(lang, "events-intro")).await;
        assert_eq!(
            b.script("return document.getElementById('open-events').tagName")
                .await,
            serde_json::json!("A"),
            "{lang:?}: the portal's link is live"
        );
        assert!(!b.body_text().await.contains(&t(lang, "events-disabled")));
        assert!(b.text("#events-admins tbody").await.contains(me));
        assert_readable(&b, lang).await;

        // R-EVT-1: give the role to a colleague by email, previewed, then saved.
        b.type_into("#events-person", user).await;
        b.click("#events-give-preview").await;
        b.wait_for_text(&t(lang, "will-add")).await;
        assert!(
            b.text("#preview").await.contains(role.name(lang)),
            "{lang:?}"
        );
        assert_readable(&b, lang).await;
        b.click("#confirm").await;
        b.wait_for_text(&t(lang, "flash-changed")).await;
        assert!(b.url().await.contains("/events?org=acme"));
        let row = format!("#events-admins tr[data-email=\"{user}\"]");
        b.find(&row).await;
        assert_readable(&b, lang).await;
        if lang == Lang::En {
            b.screenshot(&shots.join("events.png")).await;
        }
        let holds = |email: &'static str| {
            let service = service.clone();
            async move {
                let ctx = rolehub_store::Ctx::new(
                    "admin@acme.example",
                    "acme",
                    rolehub_store::clock::system_now(),
                );
                service
                    .person_roles_in_org(&ctx, email)
                    .await
                    .unwrap()
                    .grants
                    .iter()
                    .any(|g| g.role == Role::EventsAdmin)
            }
        };
        assert!(holds(user).await, "{lang:?}");

        // And take it back from their row, the same way.
        b.click(&format!("{row} button[data-revoke]")).await;
        b.wait_for_text(&t(lang, "will-remove")).await;
        assert_readable(&b, lang).await;
        b.click("#confirm").await;
        b.wait_for_text(&t(lang, "flash-changed")).await;
        assert!(!b.text("#events-admins tbody").await.contains(user));
        assert!(!holds(user).await, "{lang:?}");

        // R-EXT-3: the role is for the org's own people; the refusal names its rule once.
        b.type_into("#events-person", "ava.clarke@zentech.example")
            .await;
        b.click("#events-give-preview").await;
        b.find("#refusal").await;
        let refusal = b.text("#refusal").await;
        let rules: Vec<&str> = refusal
            .split_whitespace()
            .filter(|w| w.starts_with("R-"))
            .collect();
        assert_eq!(rules.len(), 1, "{lang:?}: {refusal}");
        assert_readable(&b, lang).await;
        sign_out(&b).await;

        // A device administrator's Events page: the portal's way, disabled, and no panel of
        // holders they may not see (nor a refusal in its place).
        sign_in_in(&b, &base, "devices@acme.example", lang.tag()).await;
        b.goto(&format!("{base}/events?org=acme")).await;
        b.wait_for_text(&t(lang, "events-disabled")).await;
        assert_eq!(
            b.script("return document.querySelectorAll('#events-admins, #events-give').length")
                .await,
            serde_json::json!(0),
            "{lang:?}"
        );
        assert!(!b.body_text().await.contains("(R-"), "{lang:?}");
        assert_readable(&b, lang).await;
        sign_out(&b).await;
    }
    b.quit().await;
    let _ = stop.send(());
    scratch.close().await;
}

/// A full administrator connects the org's identity provider in the console (and tests the
/// connection); then a user of the org signs in through it: Rolehub's email step, the provider's
/// login and consent pages, and back into the console, where the session says single sign-on. In
/// English and in Dutch, each language with its own demo world and provider.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_signs_in_through_the_orgs_identity_provider() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    let shots = screenshots();
    std::fs::create_dir_all(&shots).unwrap();
    for lang in LANGS {
        let (base, _service, stop, scratch) = start_server().await;
        let Some(idp) = rolehub_testkit::oidc::Provider::start("provider.mjs", &base) else {
            let _ = stop.send(());
            scratch.close().await;
            break;
        };
        // The provider of the other language's pass is gone; so is its sign-in.
        b.delete_cookies().await;
        let en = lang == Lang::En;

        // The full administrator sets up single sign-on.
        sign_in_in(&b, &base, "admin@acme.example", lang.tag()).await;
        b.goto(&format!("{base}/settings/sign-in?org=acme")).await;
        assert!(b
            .body_text()
            .await
            .contains(&format!("{base}/sso/callback")));
        assert_readable(&b, lang).await;
        b.type_into("#issuer", &idp.issuer).await;
        b.type_into("#client_id", rolehub_testkit::oidc::CLIENT_ID)
            .await;
        b.type_into("#client_secret", rolehub_testkit::oidc::CLIENT_SECRET)
            .await;
        b.click("#save-sso").await;
        b.wait_for_text(&t(lang, "flash-sso-saved")).await;
        assert_readable(&b, lang).await;
        b.click("#test-sso").await;
        b.find("#connection-report").await;
        let report = b.text("#connection-report").await;
        assert!(
            report.contains(&idp.issuer) && report.contains("RS256"),
            "{lang:?}: {report}"
        );
        assert_readable(&b, lang).await;
        if en {
            b.screenshot(&shots.join("sign-in-settings.png")).await;
        }
        sign_out(&b).await;

        // A user of the org: the email step sends them to the provider.
        b.type_into("#email", "readonly@acme.example").await;
        b.click("button[type=submit]").await;
        b.find("input[name=login]").await;
        assert!(b.url().await.starts_with(&idp.issuer), "{}", b.url().await);
        b.type_into("input[name=login]", "readonly@acme.example")
            .await;
        b.type_into("input[name=password]", "the provider's own password")
            .await;
        b.click("button[type=submit]").await;
        // The consent page (its form's prompt is `consent`), then back to Rolehub.
        b.find("input[name=prompt][value=consent]").await;
        b.click("button[type=submit]").await;
        b.find("form[action=\"/signout\"]").await;
        b.wait_for_text("readonly@acme.example").await;
        assert!(b.url().await.starts_with(&base), "{}", b.url().await);
        assert_eq!(
            b.script("return document.documentElement.lang").await,
            serde_json::json!(lang.tag())
        );
        assert_readable(&b, lang).await;

        // The person's security page lists the session, made by single sign-on.
        b.goto(&format!("{base}/security")).await;
        b.wait_for_text(&t(lang, "method-sso")).await;
        assert_readable(&b, lang).await;
        if en {
            b.screenshot(&shots.join("security.png")).await;
        }
        sign_out(&b).await;
        drop(idp);
        let _ = stop.send(());
        scratch.close().await;
    }
    b.quit().await;
}

/// A site administrator's main task, in English and in Dutch: they land on their site's users,
/// give a user of the org a site role (previewed, then saved; it waits for that user's sign-in,
/// R-SITE-3), see it, and revoke it; meeting content administrator for someone without a site role
/// is refused with its rule, once (R-MCA-1). A site user administrator sees the site's roles and
/// is told why they change none (R-SITE-6).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_administrator_gives_and_revokes_site_roles_in_both_languages() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    let (base, service, stop, scratch) = start_server().await;
    service
        .operator("tests")
        .set_password(
            "site.users@acme.example",
            "rolehub-demo",
            rolehub_store::clock::system_now(),
        )
        .await
        .unwrap();
    let shots = screenshots();
    std::fs::create_dir_all(&shots).unwrap();
    let noah = "noah.dijkstra@acme.example";
    let row = format!("tr[data-email=\"{noah}\"]");
    let roles_cell = format!("{row} td.site-roles");
    for (lang, role_name, saved, will_remove) in [
        (
            "en",
            "Webex site user administrator",
            "Saved.",
            "Will remove",
        ),
        (
            "nl",
            "Webex-gebruikersbeheerder",
            "Opgeslagen.",
            "Wordt verwijderd",
        ),
    ] {
        sign_in_in(&b, &base, "site.admin@acme.example", lang).await;
        // The first page their roles reach: their site's users.
        let url = b.url().await;
        assert!(url.contains("/sites?org=acme"), "{lang}: landed on {url}");
        assert_eq!(b.text("h1").await, "Webex Meetings");
        assert!(b.text("#site-intro").await.contains("acme.webex.com"));
        assert!(b.text("tbody").await.contains("@acme.example"));
        let language = Lang::from_accept_language(lang);
        assert_readable(&b, language).await;

        // Give a user of the org a site role: preview, then confirm.
        b.script("document.getElementById('give').open = true;")
            .await;
        b.type_into("#give-person", noah).await;
        b.script("document.getElementById('give-role').value = 'site_user_admin';")
            .await;
        b.click("#give-preview").await;
        b.find("#confirm").await;
        let preview = b.text("#preview").await;
        assert!(
            preview.contains(role_name) && preview.contains("acme.webex.com"),
            "{lang}: {preview}"
        );
        assert_readable(&b, language).await;
        b.click("#confirm").await;
        b.wait_for_text(saved).await;
        let held = b.text(&roles_cell).await;
        assert!(held.contains(role_name), "{lang}: {held}");
        // R-SITE-3: it takes effect once Noah signs in.
        b.find(&format!("{row} .pill.pending")).await;
        if lang == "en" {
            b.screenshot(&shots.join("sites.png")).await;
        }

        // R-MCA-1: meeting content administrator needs a site role on the site; the refusal names
        // its rule once.
        b.script("document.getElementById('give').open = true;")
            .await;
        b.type_into("#give-person", "bram.wilson@acme.example")
            .await;
        b.script("document.getElementById('give-role').value = 'meeting_content_admin';")
            .await;
        b.click("#give-preview").await;
        b.find("#refusal").await;
        let refusal = b.text("#refusal").await;
        assert_eq!(refusal.matches("R-MCA-1").count(), 1, "{lang}: {refusal}");
        assert_readable(&b, language).await;
        assert!(!refusal.contains("R-SITE"), "{lang}: {refusal}");
        if lang == "en" {
            b.screenshot(&shots.join("site-refusal.png")).await;
        }

        // Revoke it from Noah's row: preview, then confirm.
        b.goto(&format!(
            "{base}/sites?org=acme&site=acme.webex.com&q=noah.dijkstra%40acme.example"
        ))
        .await;
        b.click(&format!("{row} button[data-revoke=site_user_admin]"))
            .await;
        b.wait_for_text(will_remove).await;
        b.click("#confirm").await;
        b.wait_for_text(saved).await;
        let after = b.text(&roles_cell).await;
        assert!(!after.contains(role_name), "{lang}: {after}");
        assert_readable(&b, language).await;
        b.script("document.querySelector('form[action=\"/signout\"]').submit();")
            .await;
        b.find("#email").await;

        // R-SITE-6: a site user administrator reads the site's roles and changes none.
        sign_in_in(&b, &base, "site.users@acme.example", lang).await;
        assert!(b.url().await.contains("/sites?org=acme"), "{lang}");
        let note = b.text("#read-only-note").await;
        assert_eq!(note.matches("R-SITE-6").count(), 1, "{lang}: {note}");
        assert_readable(&b, language).await;
        assert_eq!(
            b.script("return document.querySelectorAll('#give, button[data-revoke]').length")
                .await,
            serde_json::json!(0),
            "{lang}"
        );
        b.script("document.querySelector('form[action=\"/signout\"]').submit();")
            .await;
        b.find("#email").await;
    }
    b.quit().await;
    let _ = stop.send(());
    scratch.close().await;
}

/// The audit log finds an actor by the start of their name, in both languages: a second full
/// administrator finds what the first (Sanne de Vries) did by typing the start of her first name,
/// and their own sign-ins by the start of their own; a name that matches no one finds nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_finds_an_actor_by_name_in_both_languages() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    let (base, service, stop, scratch) = start_server().await;
    let now = rolehub_store::clock::system_now();
    service
        .operator("tests")
        .set_password("daan.meijer@acme.example", "rolehub-demo", now)
        .await
        .unwrap();
    // Something the full administrator (Sanne de Vries) did.
    let done = service
        .assign(
            &rolehub_store::Ctx::new("admin@acme.example", "acme", now),
            &rolehub_store::service::AssignRequest {
                person: "noah.dijkstra@acme.example".into(),
                role: "device_admin".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(done.added.is_some(), "{done:?}");
    let actors = "return Array.from(document.querySelectorAll('tbody tr td:nth-child(3)')).map(td => td.textContent.trim())";
    for lang in LANGS {
        sign_in_in(&b, &base, "daan.meijer@acme.example", lang.tag()).await;
        b.goto(&format!("{base}/audit?org=acme")).await;
        assert_eq!(b.text("h1").await, t(lang, "nav-audit"));
        assert_readable(&b, lang).await;
        for (typed, actor) in [
            ("sanne", "admin@acme.example"),
            ("Daan", "daan.meijer@acme.example"),
        ] {
            b.goto(&format!("{base}/audit?org=acme")).await;
            b.type_into("#actor", typed).await;
            b.click("form.toolbar button[type=submit]").await;
            // The filter is a form: its answer is the page at the address with the actor in it.
            for _ in 0..50 {
                if b.url().await.contains(&format!("actor={typed}")) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            b.find("h1").await;
            let shown: Vec<String> = serde_json::from_value(b.script(actors).await).unwrap();
            assert!(
                !shown.is_empty(),
                "{lang:?} {typed}: nothing found at {}\n{}",
                b.url().await,
                b.body_text().await
            );
            assert!(
                shown.iter().all(|a| a == actor),
                "{lang:?} {typed}: {shown:?}"
            );
            assert_readable(&b, lang).await;
        }
        b.goto(&format!("{base}/audit?org=acme&actor=zzz")).await;
        let shown: Vec<String> = serde_json::from_value(b.script(actors).await).unwrap();
        assert!(shown.is_empty(), "{lang:?}: {shown:?}");
        // The action filter offers actions in words; choosing one changes nothing until the
        // filter is applied, and then only that kind of action is listed.
        b.goto(&format!("{base}/audit?org=acme")).await;
        let offered = b.text("#action").await;
        assert!(
            offered.contains(&t(lang, "audit-every-role")) && !offered.contains("role.assign"),
            "{lang:?}: {offered}"
        );
        let before = b.url().await;
        b.script("const s = document.getElementById('action'); s.value = 'role'; s.dispatchEvent(new Event('change'));")
            .await;
        assert_eq!(
            b.url().await,
            before,
            "{lang:?}: a choice alone moved the page"
        );
        b.click("form.toolbar button[type=submit]").await;
        for _ in 0..50 {
            if b.url().await.contains("action=role") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        b.find("h1").await;
        let actions: Vec<String> = serde_json::from_value(
            b.script("return Array.from(document.querySelectorAll('tbody tr td:nth-child(4)')).map(td => td.textContent.trim())")
                .await,
        )
        .unwrap();
        let role_words = [
            t(lang, "action-role-assign"),
            t(lang, "action-role-revoke"),
            t(lang, "action-role-revoke-all"),
            t(lang, "action-role-expired"),
        ];
        assert!(
            !actions.is_empty()
                && actions
                    .iter()
                    .all(|a| role_words.iter().any(|w| a.starts_with(w.as_str()))),
            "{lang:?}: {actions:?}"
        );
        assert_eq!(
            b.script("return document.getElementById('action').value")
                .await,
            serde_json::json!("role")
        );
        assert_readable(&b, lang).await;
        sign_out(&b).await;
    }
    b.quit().await;
    let _ = stop.send(());
    scratch.close().await;
}

/// The location administrator's main task, in English and in Dutch, each language on a user of
/// its own: they land on the users of their location (Rotterdam) and see no one of another; they
/// open a user of their location and deactivate and reactivate them, both audited (matrix note 1:
/// user administration in their locations); a user of another location is refused with its rule
/// (R-PERM-1), not shown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_location_administrator_works_on_the_users_of_their_location_in_both_languages() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    let (base, service, stop, scratch) = start_server().await;
    let me = "rotterdam.admin@acme.example";
    let elsewhere = id_of(&service, "noah.dijkstra@acme.example").await;
    for (lang, user) in [
        (Lang::En, "lotte.dekker@acme.example"),
        (Lang::Nl, "noor.johnson@acme.example"),
    ] {
        sign_in_in(&b, &base, me, lang.tag()).await;
        assert_landed(&b, me, lang, "/users?org=acme").await;
        // Only the users of Rotterdam are listed.
        let emails = column(&b, 2).await;
        assert!(emails.len() > 10, "{lang:?}: {emails:?}");
        for email in &emails {
            let person = service.operator("tests").person(email).await.unwrap();
            assert_eq!(person.location.as_deref(), Some("rotterdam"), "{email}");
        }
        assert!(!emails.iter().any(|e| e == "noah.dijkstra@acme.example"));

        // A user of their location: deactivated, then reactivated.
        b.goto(&format!(
            "{base}/users?org=acme&q={}",
            user.replace('@', "%40")
        ))
        .await;
        b.click("tbody a").await;
        b.wait_for_text(user).await;
        assert_readable(&b, lang).await;
        b.click("#deactivate").await;
        b.wait_for_text(&t(lang, "flash-deactivated")).await;
        assert_readable(&b, lang).await;
        let status = |email: &'static str| {
            let service = service.clone();
            async move {
                service
                    .operator("tests")
                    .person(email)
                    .await
                    .unwrap()
                    .view
                    .status
            }
        };
        assert_eq!(status(user).await, rolehub_domain::Status::Inactive);
        b.click("#reactivate").await;
        b.wait_for_text(&t(lang, "flash-reactivated")).await;
        assert_eq!(status(user).await, rolehub_domain::Status::Active);
        let changes: Vec<_> = audited(&service, "acme", me, "user.status")
            .await
            .into_iter()
            .filter(|e| e.target_email.as_deref() == Some(user))
            .collect();
        assert_eq!(changes.len(), 2, "{lang:?}: {changes:?}");

        // A user of Utrecht is not theirs: refused with the rule, once.
        b.goto(&format!("{base}/users/{elsewhere}?org=acme")).await;
        assert_eq!(b.text("h1").await, t(lang, "error-title"));
        let refusal = b.body_text().await;
        assert_eq!(
            refusal.matches("R-PERM-1").count(),
            1,
            "{lang:?}: {refusal}"
        );
        assert!(!refusal.contains("noah.dijkstra"), "{lang:?}: {refusal}");
        assert_readable(&b, lang).await;
        sign_out(&b).await;
    }
    b.quit().await;
    let _ = stop.send(());
    scratch.close().await;
}

/// The partner administrator's main task, in English and in Dutch: from their own org (Partner
/// Net) they choose the customer org Acme in the header, and provision a service order there
/// (R-EXT-8): the subscription is listed as sold by Partner Net, its licenses count, and the audit
/// log names them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_administrator_chooses_the_customer_org_and_provisions_an_order() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    let (base, service, stop, scratch) = start_server().await;
    let me = "pim.bakker@partnernet.example";
    for lang in LANGS {
        // The browser remembers the org chosen in the header; each pass begins as a new browser.
        b.delete_cookies().await;
        sign_in_in(&b, &base, me, lang.tag()).await;
        assert_landed(&b, me, lang, "/users?org=pnet").await;
        b.script("var s = document.getElementById('org-switch'); s.value = 'acme'; s.form.querySelector('button').click();").await;
        b.wait_for_text("@acme.example").await;
        assert!(b.url().await.contains("org=acme"), "{}", b.url().await);
        assert_eq!(
            b.script("return document.getElementById('org-switch').selectedOptions[0].text")
                .await,
            serde_json::json!("Acme BV")
        );
        assert_readable(&b, lang).await;

        let calling_before = calling_units(&service).await;
        let subscription = format!("sub-acme-calling-{}", lang.tag());
        provision_calling(&b, &base, lang, &subscription, 25).await;
        assert_eq!(calling_units(&service).await, calling_before + 25);

        // The audit log, newest first, says what was done and by whom.
        b.goto(&format!("{base}/audit?org=acme")).await;
        b.wait_for_text(&t(lang, "audit-newest-first")).await;
        let first_row = b.text("tbody tr").await;
        assert!(
            first_row.contains(&t(lang, "action-subscription-provision")) && first_row.contains(me),
            "{lang:?}: {first_row}"
        );
        assert_readable(&b, lang).await;
        sign_out(&b).await;
    }
    b.quit().await;
    let _ = stop.send(());
    scratch.close().await;
}

/// The Calling licenses Acme's subscriptions give.
async fn calling_units(service: &Service) -> i64 {
    let ctx = rolehub_store::Ctx::new(
        "admin@acme.example",
        "acme",
        rolehub_store::clock::system_now(),
    );
    service
        .license_usage(&ctx)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.license == "calling")
        .map_or(0, |u| u.total)
}

/// The provisioning administrator's main task, in English and in Dutch: from the partner's org,
/// which gives them nothing, they land in Acme on the external administrators they may read, and
/// the users they may not are refused with the rule once (R-CC-2); they provision a service order
/// (R-EXT-8), which is audited in their name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provisioning_administrator_provisions_a_service_order_in_both_languages() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    let (base, service, stop, scratch) = start_server().await;
    let me = "oliver.hughes@partnernet.example";
    for lang in LANGS {
        sign_in_in(&b, &base, me, lang.tag()).await;
        assert_landed(&b, me, lang, "/users?org=acme").await;
        assert_eq!(
            b.text("a[aria-current=page][href^=\"/users?tab=\"]").await,
            t(lang, "tab-external")
        );
        let listed = b.text("tbody").await;
        assert!(
            listed.contains(me) && listed.contains(Role::ProvisioningAdmin.name(lang)),
            "{lang:?}: {listed}"
        );
        assert!(!listed.contains("noah.dijkstra@acme.example"), "{listed}");
        b.goto(&format!("{base}/users?tab=all&org=acme")).await;
        let refused = b.body_text().await;
        assert_eq!(refused.matches("R-CC-2").count(), 1, "{lang:?}: {refused}");
        assert_readable(&b, lang).await;

        let before = audited(&service, "acme", me, "subscription.provision")
            .await
            .len();
        provision_calling(&b, &base, lang, &format!("order-{}", lang.tag()), 10).await;
        if lang == Lang::En {
            let shots = screenshots();
            std::fs::create_dir_all(&shots).unwrap();
            b.script("document.getElementById('provision-order').scrollIntoView({block: 'end'});")
                .await;
            b.screenshot(&shots.join("service-order.png")).await;
        }
        let orders = audited(&service, "acme", me, "subscription.provision").await;
        assert_eq!(orders.len(), before + 1, "{lang:?}: {orders:?}");
        assert!(
            orders
                .last()
                .and_then(|e| e.after.as_deref())
                .is_some_and(|a| a.contains(&format!("order-{}", lang.tag()))),
            "{orders:?}"
        );
        sign_out(&b).await;
    }
    b.quit().await;
    let _ = stop.send(());
    scratch.close().await;
}

/// The compliance officer's main task, in English and in Dutch, each language on its own demo
/// world (the walk changes it): they land on the Compliance page, where the way to Webex's
/// compliance tools is open to them. A full administrator does not reach it (matrix note 4): not
/// in their menu, the tools disabled with the reason and its rule (R-PERM-1); given the compliance
/// officer role too (previewed, saved, audited), a full administrator reaches it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compliance_officer_lands_on_the_compliance_page_in_both_languages() {
    let Some(b) = browser().await else {
        eprintln!("chromium or chromedriver is not installed; the browser test is left to .ci/run");
        return;
    };
    let open_tools = "return document.getElementById('open-compliance').tagName";
    for lang in LANGS {
        let (base, service, stop, scratch) = start_server().await;
        sign_in_in(&b, &base, "compliance@acme.example", lang.tag()).await;
        assert_landed(&b, "compliance@acme.example", lang, "/compliance?org=acme").await;
        assert_eq!(b.text("h1").await, t(lang, "nav-compliance"));
        b.wait_for_text(&t(lang, "compliance-intro")).await;
        assert_eq!(b.script(open_tools).await, serde_json::json!("A"));
        assert!(!b
            .body_text()
            .await
            .contains(&t(lang, "compliance-disabled")));
        if lang == Lang::En {
            let shots = screenshots();
            std::fs::create_dir_all(&shots).unwrap();
            b.screenshot(&shots.join("compliance.png")).await;
        }
        sign_out(&b).await;

        // Matrix note 4: a full administrator without the role.
        let colleague = "daan.meijer@acme.example";
        sign_in_in(&b, &base, colleague, lang.tag()).await;
        assert!(!b
            .text("nav.side")
            .await
            .contains(&t(lang, "nav-compliance")));
        b.goto(&format!("{base}/compliance?org=acme")).await;
        assert_eq!(b.script(open_tools).await, serde_json::json!("SPAN"));
        let page = b.body_text().await;
        assert!(
            page.contains(&t(lang, "compliance-disabled")) && page.matches("R-PERM-1").count() == 1,
            "{lang:?}: {page}"
        );
        assert_readable(&b, lang).await;
        sign_out(&b).await;

        // Given the compliance officer role as well, they reach it.
        sign_in_in(&b, &base, "admin@acme.example", lang.tag()).await;
        let id = id_of(&service, colleague).await;
        toggle_role(&b, &base, lang, &id, Role::ComplianceOfficer, true).await;
        let given = audited(&service, "acme", "admin@acme.example", "role.assign").await;
        assert!(
            given
                .iter()
                .any(|e| e.target_email.as_deref() == Some(colleague)
                    && e.after
                        .as_deref()
                        .is_some_and(|a| a.contains("compliance_officer"))),
            "{lang:?}: {given:?}"
        );
        sign_out(&b).await;
        sign_in_in(&b, &base, colleague, lang.tag()).await;
        assert!(b
            .text("nav.side")
            .await
            .contains(&t(lang, "nav-compliance")));
        b.goto(&format!("{base}/compliance?org=acme")).await;
        assert_eq!(b.script(open_tools).await, serde_json::json!("A"));
        assert_readable(&b, lang).await;
        sign_out(&b).await;
        let _ = stop.send(());
        scratch.close().await;
    }
    b.quit().await;
}
