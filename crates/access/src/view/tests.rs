use super::*;
use crate::tlp::*;
use serde_json::json;

const SECRET: &str = "marking-definition--a0c1e9c6-5bd3-4d64-9c26-5fcb1c1c4a01";

fn clearance(items: &[&str]) -> Clearance {
    Clearance::parse(items).unwrap()
}

fn see(c: &Clearance, json: &str) -> Option<String> {
    see_with(&Policy::default(), c, json)
}

/// `view`'s text, checked against `view_value` on the same object.
fn see_with(policy: &Policy, c: &Clearance, json: &str) -> Option<String> {
    let text = view(policy, c, json).text().map(str::to_owned);
    if let Ok(value) = serde_json::from_str::<Value>(json) {
        let by_value = view_value(policy, c, &value).map(|v| serde_json::to_string(&v).unwrap());
        let by_text = text
            .as_deref()
            .map(|t| serde_json::to_string(&serde_json::from_str::<Value>(t).unwrap()).unwrap());
        assert_eq!(by_value, by_text, "view and view_value disagree on {json}");
    }
    text
}

fn marked(refs: &[&str], granular: Value) -> String {
    let mut o = json!({
        "type": "indicator", "spec_version": "2.1", "id": "indicator--1",
        "name": "n", "description": "d", "labels": ["a", "b", "c"],
        "external_references": [{"source_name": "s0", "url": "u0"}, {"source_name": "s1"}],
        "confidence": serde_json::from_str::<Value>("1.50").unwrap()
    });
    if !refs.is_empty() {
        o["object_marking_refs"] = json!(refs);
    }
    if !granular.is_null() {
        o["granular_markings"] = granular;
    }
    serde_json::to_string(&o).unwrap()
}

#[test]
fn unmarked_objects_follow_the_default_marking() {
    let json = r#"{"type":"note","id":"note--1","content":"x"}"#;
    assert_eq!(
        view(&Policy::default(), &clearance(&[]), json),
        View::Whole(json)
    );
    let amber = Policy::with_default("TLP:AMBER").unwrap();
    assert_eq!(amber.default_marking, TLP2_AMBER);
    assert_eq!(view(&amber, &clearance(&["TLP:GREEN"]), json), View::Hidden);
    assert_eq!(
        view(&amber, &clearance(&["TLP:AMBER"]), json),
        View::Whole(json)
    );
    let secret = Policy::with_default(SECRET).unwrap();
    assert_eq!(view(&secret, &clearance(&["TLP:RED"]), json), View::Hidden);
    assert_eq!(
        view(&secret, &clearance(&[SECRET]), json),
        View::Whole(json)
    );
    assert_eq!(
        Policy::with_default(TLP1_RED).unwrap().default_marking,
        TLP1_RED
    );
    assert!(Policy::with_default("TLP:BLUE").is_err());
    // An empty list is no marking.
    let empty = r#"{"type":"note","id":"note--1","object_marking_refs":[]}"#;
    assert_eq!(
        view(&amber, &clearance(&["TLP:GREEN"]), empty),
        View::Hidden
    );
    assert_eq!(
        view(&Policy::default(), &clearance(&[]), empty),
        View::Whole(empty)
    );
}

#[test]
fn every_object_marking_must_be_covered() {
    let json = marked(&[TLP1_GREEN, SECRET], Value::Null);
    assert_eq!(see(&clearance(&["TLP:RED"]), &json), None);
    assert_eq!(see(&clearance(&["TLP:CLEAR", SECRET]), &json), None);
    assert_eq!(
        see(&clearance(&["TLP:GREEN", SECRET]), &json),
        Some(json.clone())
    );
    assert_eq!(see(&Clearance::full(), &json), Some(json.clone()));
    let unknown = marked(
        &["marking-definition--c0c1e9c6-5bd3-4d64-9c26-5fcb1c1c4a01"],
        Value::Null,
    );
    assert_eq!(see(&clearance(&["TLP:RED", SECRET]), &unknown), None);
}

#[test]
fn tlp_1_and_2_markings_are_the_same_levels() {
    for (id, level) in IDS {
        let json = marked(&[id], Value::Null);
        for c in Level::ALL {
            let seen = see(&clearance(&[c.name()]), &json).is_some();
            assert_eq!(seen, level <= c, "{id} to {c:?}");
        }
    }
}

#[test]
fn granular_markings_remove_what_they_select() {
    let g = json!([
        {"marking_ref": TLP2_RED, "selectors": ["description", "labels.[1]", "external_references.[0].source_name"]},
        {"marking_ref": TLP2_GREEN, "selectors": ["name"]},
    ]);
    let json = marked(&[TLP2_GREEN], g);
    let seen = see(&clearance(&["TLP:AMBER"]), &json).unwrap();
    assert_eq!(
        seen,
        format!(
            r#"{{"type":"indicator","spec_version":"2.1","id":"indicator--1","name":"n","labels":["a","c"],"external_references":[{{"url":"u0"}},{{"source_name":"s1"}}],"confidence":1.50,"object_marking_refs":["{TLP2_GREEN}"],"granular_markings":[{{"marking_ref":"{TLP2_GREEN}","selectors":["name"]}}]}}"#
        )
    );
    assert_eq!(see(&clearance(&["TLP:RED"]), &json), Some(json.clone()));
}

#[test]
fn list_cuts_do_not_shift_other_selectors() {
    let g = json!([
        {"marking_ref": SECRET, "selectors": ["labels.[0]", "external_references.[0]"]},
        {"marking_ref": TLP2_RED, "selectors": ["labels.[1]"]},
        {"lang": "de", "selectors": ["labels.[2]", "external_references.[1].source_name"]},
    ]);
    let json = marked(&[], g);
    // Cleared for RED, not the compartment: labels [0] goes, [1] stays and is now [0].
    let seen: Value = serde_json::from_str(&see(&clearance(&["TLP:RED"]), &json).unwrap()).unwrap();
    assert_eq!(seen["labels"], json!(["b", "c"]));
    assert_eq!(seen["external_references"], json!([{"source_name": "s1"}]));
    assert_eq!(
        seen["granular_markings"],
        json!([
            {"marking_ref": TLP2_RED, "selectors": ["labels.[0]"]},
            {"lang": "de", "selectors": ["labels.[1]", "external_references.[0].source_name"]},
        ])
    );
    // Cleared for neither: [0] and [1] both go, as stored, and "c" remains.
    let seen: Value =
        serde_json::from_str(&see(&clearance(&["TLP:GREEN"]), &json).unwrap()).unwrap();
    assert_eq!(seen["labels"], json!(["c"]));
    assert_eq!(
        seen["granular_markings"],
        json!([{"lang": "de", "selectors": ["labels.[0]", "external_references.[0].source_name"]}])
    );
}

#[test]
fn nested_selectors_reach_into_dictionaries_and_lists() {
    let json = serde_json::to_string(&json!({
        "type": "x-thing", "id": "x-thing--1",
        "extensions": {"x-ext": {"a": {"b": [1, {"c": 2, "d": 3}], "e": 4}}},
        "granular_markings": [{"marking_ref": TLP2_AMBER, "selectors": ["extensions.x-ext.a.b.[1].c", "extensions.x-ext.a.e"]}]
    }))
    .unwrap();
    assert_eq!(
        see(&clearance(&["TLP:GREEN"]), &json).unwrap(),
        r#"{"type":"x-thing","id":"x-thing--1","extensions":{"x-ext":{"a":{"b":[1,{"d":3}]}}}}"#
    );
}

#[test]
fn uncleared_marking_on_identity_properties_hides_the_object() {
    for protected in [
        "id",
        "type",
        "spec_version",
        "object_marking_refs",
        "granular_markings.[0]",
    ] {
        let g = json!([{"marking_ref": TLP2_RED, "selectors": [protected]}]);
        let json = marked(&[TLP2_CLEAR], g);
        assert_eq!(see(&clearance(&["TLP:AMBER"]), &json), None, "{protected}");
        assert!(see(&clearance(&["TLP:RED"]), &json).is_some());
    }
}

#[test]
fn uncovered_granular_entries_are_dropped_even_when_they_select_nothing() {
    let g = json!([{"marking_ref": SECRET, "selectors": ["absent", "labels.[7]"]}]);
    let json = marked(&[], g);
    let seen = see(&clearance(&["TLP:RED"]), &json).unwrap();
    assert!(!seen.contains(SECRET) && !seen.contains("granular_markings"));
    assert_eq!(seen, marked(&[], Value::Null));
}

#[test]
fn kept_markings_on_removed_content_lose_those_selectors() {
    let g = json!([
        {"marking_ref": TLP2_RED, "selectors": ["description"]},
        {"marking_ref": TLP2_GREEN, "selectors": ["description"]},
        {"marking_ref": TLP2_CLEAR, "selectors": ["description", "name"]},
    ]);
    let seen: Value =
        serde_json::from_str(&see(&clearance(&["TLP:GREEN"]), &marked(&[], g)).unwrap()).unwrap();
    assert_eq!(seen.get("description"), None);
    assert_eq!(
        seen["granular_markings"],
        json!([{"marking_ref": TLP2_CLEAR, "selectors": ["name"]}])
    );
}

#[test]
fn malformed_text_or_markings_hide_the_object() {
    let all = Clearance::full();
    for bad in [
        "",
        "[]",
        "\"x\"",
        "{",
        r#"{"a" 1}"#,
        r#"{"a":1}}"#,
        r#"{"a":1} {"b":2}"#,
        r#"{"object_marking_refs":[]"#,
        r#"{"object_marking_refs":[] } x"#,
        r#"{"object_marking_refs":"marking-definition--x"}"#,
        r#"{"object_marking_refs":[1]}"#,
        r#"{"object_marking_refs":[],"object_marking_refs":[]}"#,
        r#"{"granular_markings":{}}"#,
        r#"{"granular_markings":[1]}"#,
        r#"{"granular_markings":[{"selectors":["a"]}]}"#,
        r#"{"granular_markings":[{"marking_ref":"m","lang":"en","selectors":["a"]}]}"#,
        r#"{"granular_markings":[{"marking_ref":"m"}]}"#,
        r#"{"granular_markings":[{"marking_ref":"m","selectors":"a"}]}"#,
        r#"{"granular_markings":[{"marking_ref":"m","marking_ref":"m","selectors":["a"]}]}"#,
        r#"{"a":1,"a":2,"granular_markings":[]}"#,
    ] {
        assert_eq!(view(&Policy::default(), &all, bad), View::Hidden, "{bad}");
    }
}

#[test]
fn bad_selectors_hide_unless_their_marking_is_covered() {
    for bad in ["", "a..b", "labels.[x]", "labels.[-1]", ".name"] {
        let g = json!([{"marking_ref": TLP2_RED, "selectors": ["name", bad]}]);
        let json = marked(&[], g);
        assert_eq!(see(&clearance(&["TLP:AMBER"]), &json), None, "{bad:?}");
        assert_eq!(see(&clearance(&["TLP:RED"]), &json), Some(json.clone()));
    }
}

#[test]
fn escaped_keys_are_read_as_what_they_spell() {
    // "object_marking_refs" with an escaped underscore: must not pass as unmarked.
    let json =
        format!(r#"{{"type":"note","id":"note--1","object\u005fmarking_refs":["{TLP2_RED}"]}}"#);
    assert_eq!(see(&clearance(&["TLP:AMBER"]), &json), None);
    assert_eq!(see(&clearance(&["TLP:RED"]), &json), Some(json.clone()));
    // A granular selector names the unescaped key; the escaped spelling goes too.
    let json = format!(
        r#"{{"type":"note","id":"note--1","d\u0065scription":"secret","n":"\u00e9","granular_markings":[{{"marking_ref":"{TLP2_RED}","selectors":["description"]}}]}}"#
    );
    assert_eq!(
        see(&clearance(&["TLP:AMBER"]), &json).unwrap(),
        r#"{"type":"note","id":"note--1","n":"\u00e9"}"#
    );
    // An escaped marking id is still the id.
    let json = r#"{"type":"note","id":"note--1","object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c\u0031"]}"#;
    assert_eq!(see(&clearance(&["TLP:AMBER+STRICT"]), json), None);
    assert!(needs_read_audit(json));
}

#[test]
fn redaction_keeps_key_order_number_text_and_white_space_inside_values() {
    let json = format!(
        r#"{{ "z": 1.0e3 , "type" : "x", "id":"x--1", "big": 123456789012345678901234567890,"granular_markings": [ {{"marking_ref":"{TLP2_RED}","selectors":["big", "k.y.[0]", "k.\u0078"]}} ], "a": [ 1 , 2.50 ], "k": {{ "x" : 1e1 , "y" : [ 1 , {{ "n" : -0.0 }} ], "x": 2 }} }}"#
    );
    assert_eq!(
        see(&clearance(&[]), &json).unwrap(),
        r#"{"z":1.0e3,"type":"x","id":"x--1","a":[ 1 , 2.50 ],"k":{"y":[{ "n" : -0.0 }]}}"#
    );
}

#[test]
fn read_audit_is_needed_for_amber_and_above() {
    for (id, level) in IDS {
        assert_eq!(
            needs_read_audit(&marked(&[id], Value::Null)),
            level >= Level::Amber,
            "{id}"
        );
        let g = json!([{"marking_ref": id, "selectors": ["name"]}]);
        assert_eq!(
            needs_read_audit(&marked(&[], g)),
            level >= Level::Amber,
            "{id}"
        );
        assert_eq!(audited_marking(id), level >= Level::Amber);
    }
    assert!(!needs_read_audit(&marked(&[SECRET], Value::Null)));
    assert!(!needs_read_audit(r#"{"id":"\u0078"}"#));
    assert!(
        needs_read_audit(r#"{"id":"\u0078""#),
        "unreadable text is audited"
    );
    // Asked of the redacted view, a removed RED part no longer counts.
    let g = json!([{"marking_ref": TLP2_RED, "selectors": ["description"]}]);
    let seen = see(&clearance(&["TLP:GREEN"]), &marked(&[TLP2_GREEN], g)).unwrap();
    assert!(!needs_read_audit(&seen));
}

#[test]
fn object_visible_decides_per_marking_set() {
    let p = Policy::default();
    let green = clearance(&["TLP:GREEN"]);
    assert!(object_visible(&p, &green, []));
    assert!(object_visible(&p, &green, [TLP1_GREEN, TLP2_CLEAR]));
    assert!(!object_visible(&p, &green, [TLP1_GREEN, TLP2_AMBER]));
}
