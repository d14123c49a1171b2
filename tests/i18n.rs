//! The interface in the briefing's language: `[book] language` chooses the
//! table of words (English and French built in), and a briefing's own
//! `templates/i18n/<language>.toml` overrides it key by key or adds one.

mod support;

use support::BriefingTest;

/// The shipped briefing with `language` in its book.toml, built.
fn shipped_in(language: &str) -> BriefingTest {
    let t = BriefingTest::shipped();
    let book = t
        .read("book.toml")
        .replace("language = \"en\"", &format!("language = \"{language}\""));
    let t = t.file("book.toml", &book);
    t.run(&["build"]).expect_success();
    t
}

/// Words of the English interface that a French page must not show.
const ENGLISH: &[&str] = &[
    ">What the sources say<",
    ">Where the sources disagree<",
    ">Bottom line<",
    ">Key facts<",
    ">In brief<",
    ">Related<",
    "Evidence:",
    ">Previous<",
    ">Next<",
    ">Search<",
    "Skip to content",
    "independent sources<",
    ">Cited by<",
    ">Full text ",
];

#[test]
fn a_french_briefing_shows_french_labels_on_every_kind_of_page() {
    let t = shipped_in("fr");
    let pages = [
        "book/index.html",
        "book/who/index.html",
        "book/what/index.html",
        "book/what/uk-attributes-cyber-attacks-to-china.html",
        "book/questions/who-was-summoned.html",
        "book/sources/index.html",
        "book/sources/001_ebf839a506443e8e.html",
        "book/search.html",
        "book/404.html",
        "book/print.html",
    ];
    for page in pages {
        let html = t.read(page);
        assert!(html.contains("<html lang=\"fr\">"), "{page}");
        for english in ENGLISH {
            assert!(!html.contains(english), "{page} shows {english:?}");
        }
    }
    let front = t.read("book/index.html");
    for french in [
        ">En bref<",
        ">L’essentiel<",
        ">Faits clés<",
        ">Aller au contenu<",
    ] {
        assert!(front.contains(french), "the front page lacks {french}");
    }
    let note = t.read("book/questions/who-was-summoned.html");
    for french in [
        ">Ce que disent les sources<",
        ">Où les sources divergent<",
        "sources indépendantes</a>",
        "Preuves : 2 citations, et comment elles comptent",
        ">Statut</dt><dd>contradictoire<",
        "<p>Récit 1 : “Source 001 (UK news report)”",
    ] {
        assert!(note.contains(french), "the note page lacks {french}");
    }
    let what = t.read("book/what/index.html");
    assert!(
        what.contains(">25 mars 2024</text>"),
        "the timeline's dates"
    );
    assert!(what.contains("ans plus tard</text>"), "the timeline's cuts");
    assert!(
        what.contains("Les 19 événements, de 2014 à mars 2024"),
        "the caption"
    );
    let search = t.read("book/search.html");
    assert!(search.contains("data-say-none=\"Rien trouvé pour « {q} ».\""));
    let index = t.read("book/searchindex.js");
    assert!(
        index.contains("[\"Acteur\",\"who\"]"),
        "search results name kinds in French"
    );
    // The export keeps the format's English words.
    let json = t.read("book/briefing.json");
    assert!(json.contains("\"label\":\"2 independent sources\""));
}

#[test]
fn a_briefing_overrides_words_key_by_key_and_may_add_a_language() {
    let t =
        BriefingTest::new("basic").file("templates/i18n/fr.toml", "related = \"Voir également\"\n");
    let book = t.read("book.toml");
    let t = t.file(
        "book.toml",
        &if book.contains("language") {
            book.replace("language = \"en\"", "language = \"fr-FR\"")
        } else {
            book.replace("[book]", "[book]\nlanguage = \"fr-FR\"")
        },
    );
    t.run(&["build"]).expect_success();
    let page = t.read("book/who/ministry.html");
    assert!(page.contains(">Voir également<"), "the override");
    assert!(
        page.contains(">Ce que disent les sources<"),
        "the rest built in"
    );

    // A language of its own: what the table gives, English for the rest.
    let book = t.read("book.toml").replace("fr-FR", "de");
    let t = t.file("book.toml", &book).file(
        "templates/i18n/de.toml",
        "what_the_sources_say = \"Was die Quellen sagen\"\nmonth_3 = \"März\"\n",
    );
    t.run(&["build"]).expect_success();
    let page = t.read("book/who/ministry.html");
    assert!(page.contains(">Was die Quellen sagen<"));
    assert!(
        page.contains(">Related<"),
        "English where the table is silent"
    );
}

#[test]
fn a_broken_table_of_words_is_an_error_at_its_file() {
    let t = BriefingTest::new("basic").file("templates/i18n/fr.toml", "related = [1, 2]\n");
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("error[i18n]")
        .expect_stderr("templates/i18n/fr.toml")
        .expect_stderr("every entry is a text in quotes");
}

#[test]
fn english_stays_the_default() {
    let t = BriefingTest::new("basic");
    t.run(&["build"]).expect_success();
    let page = t.read("book/who/ministry.html");
    assert!(page.contains(">What the sources say<"));
    assert!(page.contains("<html lang=\"en\">"));
}

#[test]
fn a_table_of_words_that_is_not_utf8_is_an_error_at_its_byte() {
    let t = BriefingTest::new("basic");
    std::fs::create_dir_all(t.path().join("templates/i18n")).unwrap();
    std::fs::write(
        t.path().join("templates/i18n/fr.toml"),
        b"related = \"Voir \xff\"\n",
    )
    .unwrap();
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("error[encoding]: this table of interface words is not valid UTF-8")
        .expect_stderr("templates/i18n/fr.toml:1:");
}
