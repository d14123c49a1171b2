//! Template overrides that would recurse forever or nest too deeply: each is
//! refused by `check` and `build` with a diagnostic naming the templates
//! (before this, each one aborted the process with a stack overflow), and
//! `serve` survives saving one. Legitimate includes and macros still work.

mod support;

use std::fs;
use std::path::Path;

use support::BriefingTest;

/// The built-in template `name`, for overrides that change one part of it.
fn built_in(name: &str) -> String {
    fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("templates")
            .join(name),
    )
    .unwrap()
}

/// `check` and `build` both refuse the briefing with `message` at `place`,
/// and the build writes nothing.
fn refused(t: &BriefingTest, message: &str, place: &str) {
    for command in ["check", "build"] {
        let run = t
            .run(&[command])
            .expect_code(1)
            .expect_stderr("error[template]")
            .expect_stderr(message)
            .expect_stderr(place);
        let stderr = run.stderr();
        assert_eq!(
            stderr.matches("error[template]").count(),
            1,
            "one diagnostic per cycle:\n{stderr}"
        );
    }
    assert!(!t.exists("book"), "a refused build writes nothing");
}

// ------------------------------------------------------------- includes

#[test]
fn an_override_that_includes_itself_is_refused() {
    let t = BriefingTest::new("basic").file(
        "templates/note.html",
        "<h1>{{ page.title }}</h1>\n{% include \"note.html\" %}\n",
    );
    refused(
        &t,
        "recursive templates: `note.html` includes itself",
        "templates/note.html:2:1",
    );
}

#[test]
fn two_overrides_that_include_each_other_are_refused() {
    let t = BriefingTest::new("basic")
        .file(
            "templates/note.html",
            "<h1>{{ page.title }}</h1>\n<aside>{% include \"aside.html\" %}</aside>\n",
        )
        .file(
            "templates/aside.html",
            "<p>See also</p>{% include \"note.html\" %}\n",
        );
    refused(
        &t,
        "recursive templates: `note.html` includes `aside.html`, which includes `note.html`",
        "templates/note.html:2:8",
    );
}

#[test]
fn an_include_cycle_through_a_built_in_template_is_refused() {
    // The built-in print-section.html calls macros.html's print_claims; an
    // override of that macro includes a partial, which includes
    // print-section.html again.
    let macros = built_in("macros.html").replace(
        "{% macro print_claims(list, prefix) -%}",
        "{% macro print_claims(list, prefix) -%}\n{% include \"claims-intro.html\" %}",
    );
    let t = BriefingTest::new("basic")
        .file("templates/macros.html", &macros)
        .file(
            "templates/claims-intro.html",
            "<p>Claims:</p>\n{% include \"print-section.html\" %}\n",
        );
    let line = macros
        .lines()
        .position(|l| l.contains("claims-intro.html"))
        .unwrap()
        + 1;
    refused(
        &t,
        "recursive templates: macro `print_claims` of `macros.html` includes `claims-intro.html`, \
         which includes `print-section.html`, which calls macro `print_claims` of `macros.html`",
        &format!("templates/macros.html:{line}:1"),
    );
}

#[test]
fn an_include_list_counts_the_template_tera_would_pick() {
    // Tera renders the first template of the list that exists.
    let t = BriefingTest::new("basic").file(
        "templates/note.html",
        "{% include [\"no-such.html\", \"note.html\"] ignore missing %}\n",
    );
    refused(
        &t,
        "recursive templates: `note.html` includes itself",
        "templates/note.html:1:1",
    );
}

// --------------------------------------------------------------- macros

#[test]
fn a_macro_that_calls_itself_is_refused_even_if_it_would_stop() {
    // It would stop at n = 0, but whether a condition ends a recursion
    // depends on the data, so every recursion is refused.
    let t = BriefingTest::new("basic")
        .file(
            "templates/tree.html",
            "{% macro countdown(n) -%}\n{{ n }} {% if n > 0 %}{{ self::countdown(n=n - 1) }}{% endif %}\n{%- endmacro countdown %}\n",
        )
        .file(
            "templates/note.html",
            "{% extends \"base.html\" %}\n{% import \"tree.html\" as tree %}\n{% block content %}{{ tree::countdown(n=3) }}{% endblock content %}\n",
        );
    refused(
        &t,
        "recursive templates: macro `countdown` of `tree.html` calls itself",
        "templates/tree.html:2:",
    );
}

#[test]
fn two_macros_calling_each_other_across_an_imported_file_are_refused() {
    // ping.html imports pong.html; pong.html finds `ping::` through the
    // page that imports ping.html, as Tera's macro lookup does.
    let t = BriefingTest::new("basic")
        .file(
            "templates/ping.html",
            "{% import \"pong.html\" as pong %}\n{% macro ping(n) %}ping {{ pong::pong(n=n) }}{% endmacro ping %}\n",
        )
        .file(
            "templates/pong.html",
            "{% macro pong(n) %}pong {{ ping::ping(n=n) }}{% endmacro pong %}\n",
        )
        .file(
            "templates/note.html",
            "{% extends \"base.html\" %}\n{% import \"ping.html\" as ping %}\n{% block content %}{{ ping::ping(n=1) }}{% endblock content %}\n",
        );
    refused(
        &t,
        "recursive templates: macro `ping` of `ping.html` calls macro `pong` of `pong.html`, \
         which calls macro `ping` of `ping.html`",
        "templates/ping.html:2:",
    );
}

#[test]
fn macro_files_that_import_each_other_are_refused() {
    // Tera loads imports recursively before rendering anything.
    let t = BriefingTest::new("basic")
        .file(
            "templates/a.html",
            "{% import \"b.html\" as b %}\n{% macro a() %}a{% endmacro a %}\n",
        )
        .file(
            "templates/b.html",
            "{% import \"a.html\" as a %}\n{% macro b() %}b{% endmacro b %}\n",
        );
    refused(
        &t,
        "recursive templates: `a.html` imports `b.html`, which imports `a.html`",
        "templates/a.html:1:1",
    );
}

// ------------------------------------------------- blocks and extends

#[test]
fn a_block_whose_super_leads_back_to_itself_is_refused() {
    // Rendering note.html: layout's block a is note's a, whose super() is
    // layout's a, which renders block b — note's b, which holds note's a.
    let t = BriefingTest::new("basic")
        .file(
            "templates/layout.html",
            "<main>{% block a %}<div>{% block b %}{% endblock b %}</div>{% endblock a %}</main>\n",
        )
        .file(
            "templates/note.html",
            "{% extends \"layout.html\" %}\n{% block b %}[{% block a %}{{ super() }}{% endblock a %}]{% endblock b %}\n",
        );
    refused(
        &t,
        "recursive templates: block `a` of `note.html` calls `super()`, which renders block `a` of `layout.html`, \
         which renders block `b` of `note.html`, which renders block `a` of `note.html`",
        "templates/note.html:2:",
    );
}

#[test]
fn super_after_a_nested_block_is_refused() {
    // Tera would take this super() for block `inner`'s and render the
    // wrong parent block.
    let t = BriefingTest::new("basic").file(
        "templates/note.html",
        "{% extends \"base.html\" %}\n{% block content %}{% block inner %}<h1>{{ page.title }}</h1>{% endblock inner %}\n{{ super() }}{% endblock content %}\n",
    );
    refused(
        &t,
        "`super()` in block `content` of `note.html` comes after something that renders a block",
        "templates/note.html:3:1",
    );
}

#[test]
fn an_extends_circle_is_refused_every_time() {
    // Tera's own check recursed forever on a circle that does not pass
    // through the template it started from, which depended on hash order:
    // some runs crashed, some did not.
    let t = BriefingTest::new("basic")
        .file("templates/a.html", "{% extends \"b.html\" %}\n")
        .file("templates/b.html", "{% extends \"c.html\" %}\n")
        .file("templates/c.html", "{% extends \"b.html\" %}\n");
    for _ in 0..5 {
        refused(
            &t,
            "recursive templates: `b.html` extends `c.html`, which extends `b.html`",
            "templates/b.html:1:1",
        );
    }
}

// -------------------------------------------------------------- depth

#[test]
fn a_template_nested_too_deeply_is_refused_before_parsing() {
    let depth = 300;
    let body = format!(
        "{}{{{{ page.title }}}}{}",
        "{% if true %}\n".repeat(depth),
        "{% endif %}".repeat(depth)
    );
    let t = BriefingTest::new("basic").file("templates/note.html", &body);
    refused(
        &t,
        "template `note.html` nests too deeply",
        "templates/note.html:257:1",
    );
}

#[test]
fn an_expression_nested_too_deeply_is_refused_before_parsing() {
    let t = BriefingTest::new("basic").file(
        "templates/note.html",
        &format!("<p>{{{{ 1{} }}}}</p>\n", " + 1".repeat(400)),
    );
    refused(
        &t,
        "template `note.html` nests too deeply",
        "templates/note.html:1:4",
    );
}

#[test]
fn calls_nested_deep_enough_to_stall_the_parser_are_refused() {
    // Tera's parser takes about three times longer per level: at twelve
    // levels, a minute; at fifteen, half an hour.
    let t = BriefingTest::new("basic").file(
        "templates/note.html",
        &format!(
            "<h1>{{{{ page.title }}}}</h1>\n<p>{{{{ {}1{} | length }}}}</p>\n",
            "range(end=".repeat(15),
            ")".repeat(15)
        ),
    );
    refused(
        &t,
        "template `note.html` nests brackets 15 deep in this tag, more than the 6 allowed",
        "templates/note.html:2:4",
    );
}

/// A chain of `n` macros, each calling the next inside one `{% if %}`.
/// (Through the namespace the page imports them as: Tera looks `self::`
/// up in the page's imports when a block calls the macro.)
fn macro_chain(n: usize) -> String {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "{{% macro m{i}() %}}{{% if true %}}{{{{ chain::m{}() }}}}{{% endif %}}{{% endmacro m{i} %}}\n",
            i + 1
        ));
    }
    text.push_str(&format!(
        "{{% macro m{n}() %}}deepest{{% endmacro m{n} %}}\n"
    ));
    text
}

/// The built-in note.html with `{{ chain::m0() }}` first in its content.
fn with_macro_chain(n: usize) -> BriefingTest {
    let note = built_in("note.html")
        .replacen(
            "{% import \"macros.html\" as m %}",
            "{% import \"macros.html\" as m %}\n{% import \"chain.html\" as chain %}",
            1,
        )
        .replacen(
            "{% block content %}",
            "{% block content %}<p>{{ chain::m0() }}</p>",
            1,
        );
    BriefingTest::new("basic")
        .file("templates/chain.html", &macro_chain(n))
        .file("templates/note.html", &note)
}

#[test]
fn a_chain_of_calls_too_deep_to_render_is_refused() {
    // One call more than the_deepest_chain_allowed_renders.
    let t = with_macro_chain(25);
    refused(
        &t,
        "templates nest too deeply: rendering `note.html` → block `content` of `note.html` → macro `m0` of `chain.html` → … 23 more … → macro `m24` of `chain.html` → macro `m25` of `chain.html` reaches about 133 levels, more than the 128 allowed",
        "templates/note.html:4:",
    );
}

#[test]
fn the_deepest_chain_allowed_renders() {
    // Each call costs 5 levels here (the `{% if %}` and the call): 24 of
    // them and the page around them reach the limit exactly, and render
    // without overflowing a debug build's stack.
    let t = with_macro_chain(24);
    t.run(&["build"]).expect_success();
    assert!(t.read("book/who/ministry.html").contains("<p>deepest</p>"));
}

// --------------------------------------------------- what still works

#[test]
fn overrides_that_include_and_call_without_recursion_still_work() {
    let t = BriefingTest::new("basic")
        .file(
            "templates/note.html",
            &built_in("note.html")
                .replacen(
                    "{% import \"macros.html\" as m %}",
                    "{% import \"macros.html\" as m %}\n{% import \"extra.html\" as extra %}",
                    1,
                )
                .replacen(
                    "{% block content %}",
                    "{% block content %}{% include \"byline.html\" %}{{ extra::shout(text=page.title) }}",
                    1,
                ),
        )
        .file("templates/byline.html", "<p class=\"byline\">By the desk</p>\n")
        .file(
            "templates/extra.html",
            "{% macro shout(text) %}<p class=\"shout\">{{ extra::upper(text=text) }}</p>{% endmacro shout %}\n{% macro upper(text) %}{{ text | upper }}{% endmacro upper %}\n",
        );
    t.run(&["check"]).expect_success();
    t.run(&["build"]).expect_success();
    let page = t.read("book/who/ministry.html");
    assert!(
        page.contains("<p class=\"byline\">By the desk</p>"),
        "{page}"
    );
    assert!(
        page.contains("<p class=\"shout\">THE MINISTRY</p>"),
        "{page}"
    );
}
