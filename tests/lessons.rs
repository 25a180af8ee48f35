//! Every lesson's claim holds at its seed: the numbers in `src/lessons.rs` (the only place
//! they are written) are checked against a native run of the lesson's own setup, read
//! through the same link path as `lesson=NAME` on the page.

use gradscope::engine::session::Run;
use gradscope::lessons::{self, Bound, Measure, LESSONS};
use gradscope::view::View;

fn fresh(lesson: &lessons::Lesson) -> Run {
    let c = lesson.config();
    Run::new(c.spec(), c.precision, 2100)
}

#[test]
fn every_lesson_claim_holds_at_its_seed() {
    let mut failures = Vec::new();
    for lesson in LESSONS {
        let measured = lesson.claim.measure(&mut fresh(lesson));
        let ok = lesson.claim.holds(measured);
        println!(
            "{:<20} {:<16} step {:>5} {:?} {:<8} measured {measured:.4e} {}",
            lesson.name,
            lesson.claim.measure.name(),
            lesson.claim.step,
            lesson.claim.bound,
            lesson.claim.value,
            if ok { "ok" } else { "FAILS" }
        );
        if !ok {
            failures.push(format!(
                "{}: {} (measured {measured:e})",
                lesson.name,
                lesson.claim.text(lesson.config().network.depth)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "claims that do not hold: {failures:#?}"
    );
}

#[test]
fn lessons_are_well_formed_and_apply_without_messages() {
    assert!(LESSONS.len() >= 12);
    for (i, lesson) in LESSONS.iter().enumerate() {
        let applied = lesson.applied();
        assert!(
            applied.messages.is_empty(),
            "{}: {:?}",
            lesson.name,
            applied.messages
        );
        assert!(
            LESSONS[..i].iter().all(|l| l.name != lesson.name),
            "{} twice",
            lesson.name
        );
        assert!(!lesson.views.is_empty(), "{}", lesson.name);
        // Two to four sentences: what to watch, the control to try next, the claim.
        let text = format!(
            "{} {} {}",
            lesson.watch,
            lesson.try_next,
            lesson.claim.text(applied.config.network.depth)
        );
        let sentences = text.matches(". ").count() + 1;
        assert!(
            (2..=5).contains(&sentences),
            "{}: {sentences} sentences",
            lesson.name
        );
        assert!(lesson.try_next.starts_with("Try next:"), "{}", lesson.name);
        // A claim at a test-loss step needs an evaluation there.
        if lesson.claim.measure == Measure::TestLoss {
            let every = applied.config.eval_every;
            assert!(
                every > 0 && lesson.claim.step % every == 0,
                "{}: test loss is evaluated every {every} steps",
                lesson.name
            );
        }
        // The claim sentence carries the claim's numbers.
        let claim = lesson.claim.text(applied.config.network.depth);
        assert!(
            claim.contains(&gradscope::config::schema::number_text(
                if lesson.claim.measure == Measure::DeadShare {
                    lesson.claim.value * 100.0
                } else {
                    lesson.claim.value
                }
            )),
            "{claim}"
        );
    }
}

#[test]
fn the_issue_asks_for_these_lessons() {
    let has = |f: &dyn Fn(&lessons::Lesson) -> bool| LESSONS.iter().any(f);
    let cfg = |l: &lessons::Lesson| l.config();
    use gradscope::engine::activation::Activation;
    use gradscope::engine::clip::ClipKind;
    use gradscope::engine::data::DatasetKind;
    use gradscope::engine::optim::OptimizerKind;
    assert!(has(&|l| cfg(l).network.activation == Activation::Sigmoid
        && l.claim.measure == Measure::GradRatio
        && l.claim.bound == Bound::Below));
    // An init that explodes a plain network: it turns to NaN within a few steps.
    assert!(has(&|l| l.claim.measure == Measure::DivergedAt
        && cfg(l).clip.kind == ClipKind::None
        && !cfg(l).network.batch_norm
        && !cfg(l).network.skip_connections));
    assert!(has(&|l| cfg(l).optimizer.kind == OptimizerKind::Adagrad
        && matches!(l.claim.measure, Measure::LrFall { .. })));
    assert!(has(&|l| cfg(l).clip.kind != ClipKind::None));
    assert!(has(&|l| cfg(l).network.batch_norm
        && !cfg(l).network.skip_connections
        && l.claim.bound == Bound::Above));
    assert!(has(&|l| l.claim.measure == Measure::DeadShare));
    assert!(has(
        &|l| l.claim.measure == Measure::DivergedAt && cfg(l).network.skip_connections
    ));
    assert!(has(
        &|l| cfg(l).dataset.kind == DatasetKind::Sparse && l.views.first() == Some(&View::Lr)
    ));
    let fixes = LESSONS
        .iter()
        .filter(|l| l.name.starts_with("fix-"))
        .count();
    assert_eq!(fixes, 6);
}

#[test]
fn unknown_lesson_names_get_a_list() {
    assert!(lessons::find("vanishing-sigmoid").is_some());
    assert!(lessons::find("nope").is_none());
    let m = lessons::unknown("nope");
    assert!(
        m.contains("'nope'") && m.contains("vanishing-sigmoid, exploding-init"),
        "{m}"
    );
}

#[test]
fn a_link_names_a_lesson_and_other_parameters_override_it() {
    use gradscope::view::page::Page;
    let lesson = lessons::find("skips-scaled").unwrap_or_else(|| panic!("lesson"));
    let p = Page::from_query("?lesson=skips-scaled");
    assert!(p.messages().is_empty(), "{:?}", p.messages());
    assert_eq!(p.run().config(), &lesson.config());
    assert_eq!(p.query(), "lesson=skips-scaled");
    // Another parameter wins over the lesson's, and the link then spells the setup out.
    let p = Page::from_query("?depth=12&lesson=skips-scaled");
    assert_eq!(p.run().config().network.depth, 12);
    assert_eq!(p.run().config().network.residual_scale, 0.22);
    assert_eq!(p.query(), "lesson=skips-scaled&depth=12");
    // The lesson's view settings come too.
    let p = Page::from_query("?lesson=adagrad-sparse");
    assert_eq!(p.settings().lr_by, gradscope::view::LrBy::Feature);
    // An unknown name: a message in a student's words listing the lessons; defaults.
    let p = Page::from_query("?lesson=vanishing");
    assert_eq!(p.messages().len(), 1);
    assert!(
        p.messages()[0].starts_with(
            "There is no lesson called 'vanishing'. The lessons are: vanishing-sigmoid,"
        ),
        "{:?}",
        p.messages()
    );
    assert_eq!(
        p.run().config(),
        &gradscope::Config::default().resolve().unwrap_or_default()
    );
    // Choosing a lesson on the page; changing a setting leaves the lesson's link.
    let mut p = Page::from_query("");
    assert!(p.set_lesson("nope").is_err());
    assert_eq!(p.set_lesson("narrow-relu-dies"), Ok(()));
    assert_eq!(p.run().config().network.width, 4);
    assert_eq!(p.query(), "lesson=narrow-relu-dies");
    assert!(!p.lesson_left());
    assert_eq!(
        p.set_config(&serde_json::json!({"network": {"width": 32}})),
        Ok(true)
    );
    assert_eq!(p.query(), "lesson=narrow-relu-dies&width=32");
    assert!(p.lesson_left());
    // A setting put back to its default is written out, so the lesson does not undo it.
    assert_eq!(
        p.set_config(&serde_json::json!({"network": {"activation": "tanh"}})),
        Ok(true)
    );
    assert_eq!(
        p.query(),
        "lesson=narrow-relu-dies&width=32&activation=tanh"
    );
    // An optimizer switch that keeps the lesson's learning rate: still the same run.
    let mut p = Page::from_query("?lesson=fix-init");
    assert_eq!(
        p.set_config(&serde_json::json!({"optimizer": {"kind": "adam"}})),
        Ok(true)
    );
    let q = p.query();
    assert!(q.starts_with("lesson=fix-init&"), "{q}");
    assert_eq!(Page::from_query(&q).run().config(), p.run().config(), "{q}");
    assert_eq!(Page::from_query(&q).query(), q);
}

#[test]
fn the_readme_lists_the_lessons() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .unwrap_or_default();
    let inner = readme
        .split_once("<!-- lessons:start -->\n")
        .and_then(|(_, rest)| rest.split_once("<!-- lessons:end -->"))
        .map(|(inner, _)| inner);
    assert_eq!(
        inner,
        Some(lessons::markdown().as_str()),
        "Regenerate it: paste `gradscope lessons --markdown` between the markers"
    );
}

/// A try-next sentence that promises a result is checked: the change (as a link would make
/// it, over the lesson's settings) undoes the lesson's own claim, and its own claim holds.
#[test]
fn every_tested_try_next_does_what_it_says() {
    use gradscope::view::page::Page;
    let mut failures = Vec::new();
    for lesson in LESSONS {
        let Some((change, claims)) = lesson.tried else {
            continue;
        };
        let page = Page::from_query(&format!("?lesson={}&{change}", lesson.name));
        assert!(
            page.messages().is_empty(),
            "{}: {:?}",
            lesson.name,
            page.messages()
        );
        let c = page.run().config().clone();
        let depth = c.network.depth;
        let run = || Run::new(c.spec(), c.precision, 2100);
        let own = lesson.claim.measure(&mut run());
        println!(
            "{:<20} with {change}: own claim measures {own:.4e}",
            lesson.name
        );
        if lesson.claim.holds(own) {
            failures.push(format!(
                "{} with {change}: still {}",
                lesson.name,
                lesson.claim.text(depth)
            ));
        }
        assert!(!claims.is_empty(), "{}", lesson.name);
        for claim in claims {
            let tried = claim.measure(&mut run());
            println!("    {} {tried:.4e}", claim.text(depth));
            if !claim.holds(tried) {
                failures.push(format!(
                    "{} with {change}: not {} (measured {tried:e})",
                    lesson.name,
                    claim.text(depth)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
