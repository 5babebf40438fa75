use super::*;

fn collect(
    input: &[u8],
) -> (
    Result<Summary, ParseError>,
    Vec<RawObject>,
    Vec<BundleHeader>,
) {
    let mut objs = vec![];
    let mut bundles = vec![];
    let r = parse_reader(input, |item| {
        match item {
            Item::Object(o) => objs.push(o),
            Item::Bundle(b) => bundles.push(b),
        }
        ControlFlow::Continue(())
    });
    (r, objs, bundles)
}

/// A reader that hands out one byte at a time, to exercise every refill path.
struct Trickle<'a>(&'a [u8]);
impl Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.0.is_empty() || out.is_empty() {
            return Ok(0);
        }
        out[0] = self.0[0];
        self.0 = &self.0[1..];
        Ok(1)
    }
}

const BUNDLE: &str = r#"{
  "type": "bundle",
  "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982",
  "objects": [
    {"type": "campaign", "id": "campaign--1", "name": "A \"quoted\" {brace} [x]"},
    {
      "type": "malware", "id": "malware--2", "nested": {"a": [1, 2, {"b": "]}"}]}
    }
  ]
}"#;

#[test]
fn streams_bundle_objects_with_positions() {
    let (r, objs, bundles) = collect(BUNDLE.as_bytes());
    let s = r.unwrap();
    assert_eq!(s.objects, 2);
    assert_eq!(bundles.len(), 1);
    assert_eq!(
        bundles[0].id.as_deref(),
        Some("bundle--44af6c39-c09b-49c5-9de2-394224b04982")
    );
    assert_eq!(objs[0].position, Position { line: 5, column: 5 });
    assert_eq!(objs[1].position, Position { line: 6, column: 5 });
    let m = objs[0].value.as_ref().unwrap();
    assert_eq!(m["name"], "A \"quoted\" {brace} [x]");
    assert_eq!(objs[1].value.as_ref().unwrap()["nested"]["a"][2]["b"], "]}");
}

#[test]
fn compact_text_keeps_strings_and_drops_layout() {
    let (_, objs, _) = collect(BUNDLE.as_bytes());
    assert_eq!(
        objs[1].compact.as_deref(),
        Some(r#"{"type":"malware","id":"malware--2","nested":{"a":[1,2,{"b":"]}"}]}}"#)
    );
    let (_, objs, _) =
        collect("{\"type\": \"x-a\", \"s\": \"a \\\" b\\u00e9 \\\\\", \"n\": 1.50}".as_bytes());
    assert_eq!(
        objs[0].compact.as_deref(),
        Some("{\"type\":\"x-a\",\"s\":\"a \\\" b\\u00e9 \\\\\",\"n\":1.50}")
    );
    for o in &objs {
        let reparsed: serde_json::Value =
            serde_json::from_str(o.compact.as_deref().unwrap()).unwrap();
        assert_eq!(
            &reparsed,
            &serde_json::Value::Object(o.value.clone().unwrap())
        );
    }
}

#[test]
fn byte_at_a_time_reader_gives_same_result() {
    let (_, a, _) = collect(BUNDLE.as_bytes());
    let mut b = vec![];
    parse_reader(Trickle(BUNDLE.as_bytes()), |i| {
        if let Item::Object(o) = i {
            b.push(o);
        }
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.position, y.position);
        assert_eq!(x.value, y.value);
    }
}

#[test]
fn single_object_array_and_json_lines() {
    let (r, objs, _) = collect(br#"{"id": "campaign--1", "type": "campaign", "objects": [1]}"#);
    r.unwrap();
    assert_eq!(objs.len(), 1);
    assert_eq!(objs[0].value.as_ref().unwrap()["objects"][0], 1);

    let (r, objs, _) = collect(b"[{\"type\":\"a\"},{\"type\":\"b\"}]");
    r.unwrap();
    assert_eq!(objs.len(), 2);

    let (r, objs, _) = collect(b"{\"type\":\"x-a\"}\n{\"type\":\"bundle\",\"objects\":[{\"type\":\"x-b\"}]}\n{\"type\":\"x-c\"}\n");
    r.unwrap();
    let types: Vec<_> = objs
        .iter()
        .map(|o| {
            o.value.as_ref().unwrap()["type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(types, ["x-a", "x-b", "x-c"]);
    assert_eq!(objs[2].position.line, 3);
}

#[test]
fn an_object_without_type_is_handed_out_whole() {
    let (r, objs, _) = collect(br#"{"id": "x--1", "name": "no type"}"#);
    r.unwrap();
    assert_eq!(objs.len(), 1);
    assert_eq!(objs[0].value.as_ref().unwrap()["name"], "no type");
}

#[test]
fn truncated_input_names_line_and_column() {
    let cut = &BUNDLE.as_bytes()[..BUNDLE.len() - 30];
    let (r, objs, _) = collect(cut);
    let e = r.unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("unexpected end of input"), "{msg}");
    assert!(msg.contains("line 6"), "{msg}");
    assert_eq!(objs.len(), 1);
}

#[test]
fn not_json_is_an_error_with_position() {
    let (r, _, _) = collect(b"\n\n  hello world");
    let e = r.unwrap_err().to_string();
    assert!(e.starts_with("line 3, column 3"), "{e}");
    let (r, _, _) = collect(b"\x00\xff\xfe garbage");
    assert!(r.is_err());
    let (r, _, _) = collect(b"{\"type\": \"bundle\", \"objects\": [{\"a\": 1} {\"b\": 2}]}");
    assert!(r.unwrap_err().to_string().contains("expected ',' or ']'"));
}

#[test]
fn bad_object_inside_bundle_is_reported_and_parsing_goes_on() {
    let input = b"{\"type\":\"bundle\",\"objects\":[\n{\"a\":1,\"a\":2},\n{\"a\": tru},\n\"str\",\n{\"ok\":true}]}";
    let (r, objs, _) = collect(input);
    r.unwrap();
    assert_eq!(objs.len(), 4);
    let e0 = objs[0].value.as_ref().unwrap_err();
    assert!(e0.message.contains("duplicate key \"a\""), "{e0}");
    assert_eq!(e0.position.line, 2);
    let e1 = objs[1].value.as_ref().unwrap_err();
    assert_eq!(e1.position.line, 3);
    assert!(objs[2]
        .value
        .as_ref()
        .unwrap_err()
        .message
        .contains("found a string"));
    assert!(objs[3].value.is_ok());
}

#[test]
fn deep_nesting_is_an_object_error_not_a_crash() {
    let mut s = String::from("{\"type\":\"bundle\",\"objects\":[{\"type\":\"x-deep\",\"v\":");
    s.push_str(&"[".repeat(100_000));
    s.push_str(&"]".repeat(100_000));
    s.push_str("},{\"type\":\"x-ok\"}]}");
    let (r, objs, _) = collect(s.as_bytes());
    r.unwrap();
    assert!(objs[0]
        .value
        .as_ref()
        .unwrap_err()
        .message
        .contains("recursion limit"));
    assert!(objs[1].value.is_ok());
}

#[test]
fn huge_string_is_read() {
    let big = "A".repeat(50 << 20);
    let s = format!("{{\"type\":\"bundle\",\"objects\":[{{\"type\":\"x-big\",\"v\":\"{big}\"}}]}}");
    let (r, objs, _) = collect(s.as_bytes());
    r.unwrap();
    assert_eq!(
        objs[0].value.as_ref().unwrap()["v"].as_str().unwrap().len(),
        50 << 20
    );
}

#[test]
fn objects_array_in_a_non_bundle_is_refused() {
    let (r, _, _) = collect(br#"{"objects": [{"type": "x-a"}], "type": "x-not-bundle"}"#);
    assert!(r.unwrap_err().to_string().contains("must be a bundle"));
}

#[test]
fn stop_early() {
    let mut n = 0;
    let s = parse_reader(BUNDLE.as_bytes(), |i| {
        if matches!(i, Item::Object(_)) {
            n += 1;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    })
    .unwrap();
    assert!(s.stopped);
    assert_eq!(n, 1);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn arb_json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(|i| serde_json::Value::Number(i.into())),
            ".*".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                prop::collection::btree_map("[a-z\"\\\\{}\\[\\]]{1,6}", inner, 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Whatever the objects hold, the streamed bundle gives back exactly them.
        #[test]
        fn bundle_round_trip(objs in prop::collection::vec(prop::collection::btree_map("[a-z_]{1,8}", arb_json(), 0..5), 0..8), pretty in any::<bool>()) {
            let objects: Vec<serde_json::Value> = objs.into_iter().map(|m| {
                let mut o: serde_json::Map<String, serde_json::Value> = m.into_iter().collect();
                o.insert("type".into(), "x-t".into());
                serde_json::Value::Object(o)
            }).collect();
            let bundle = serde_json::json!({"type": "bundle", "id": "bundle--1", "objects": objects});
            let text = if pretty { serde_json::to_string_pretty(&bundle).unwrap() } else { bundle.to_string() };
            let mut got = vec![];
            parse_reader(Trickle(text.as_bytes()), |i| { if let Item::Object(o) = i { got.push(serde_json::Value::Object(o.value.unwrap())); } ControlFlow::Continue(()) }).unwrap();
            prop_assert_eq!(&got, &objects);
            // The compact text is the same JSON as the parsed value.
            let mut compacts = vec![];
            parse_reader(text.as_bytes(), |i| { if let Item::Object(o) = i { compacts.push(o.compact.unwrap()); } ControlFlow::Continue(()) }).unwrap();
            for (c, o) in compacts.iter().zip(&objects) {
                prop_assert_eq!(&serde_json::from_str::<serde_json::Value>(c).unwrap(), o);
                prop_assert!(!c.contains('\n') || o.to_string().contains('\n'));
            }
            // The scanner knows which objects are their own compact text.
            let mut known = vec![];
            split_reader(text.as_bytes(), |p| { if let Piece::Object(o) = p { known.push((o.compact, String::from_utf8(o.bytes.to_vec()).unwrap())); } ControlFlow::Continue(()) }).unwrap();
            for ((compact, bytes), c) in known.iter().zip(&compacts) {
                prop_assert_eq!(*compact, !pretty);
                prop_assert_eq!(*compact, bytes == c);
            }
        }

        /// Parsing text known to be UTF-8 gives what parsing its bytes gives:
        /// the same value, or the same error at the same place.
        #[test]
        fn text_and_bytes_parse_alike(v in arb_json(), cut in any::<prop::sample::Index>(), dup in any::<bool>()) {
            let mut text = v.to_string();
            if dup {
                text = format!("{{\"k\": 1, \"k\": {text}}}");
            }
            let texts = [text.clone(), text[..text.floor_char_boundary(cut.index(text.len() + 1))].to_string()];
            for t in &texts {
                match (strict::from_str(t), strict::from_slice(t.as_bytes())) {
                    (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
                    (Err(a), Err(b)) => {
                        prop_assert_eq!(a.to_string(), b.to_string());
                        prop_assert_eq!((a.line(), a.column()), (b.line(), b.column()));
                    }
                    (a, b) => prop_assert!(false, "{t}: {a:?} vs {b:?}"),
                }
                // The borrowed tree: the same value, or an error at the same place.
                match (strict::from_str(t), crate::Val::parse(t)) {
                    (Ok(a), Ok(b)) => prop_assert_eq!(crate::Val::of(&a), b),
                    (Err(a), Err(b)) => {
                        prop_assert_eq!(a.to_string(), b.to_string());
                        prop_assert_eq!((a.line(), a.column()), (b.line(), b.column()));
                    }
                    (a, b) => prop_assert!(false, "{t}: {a:?} vs {b:?}"),
                }
            }
        }

        /// `Fields` finds what `Map::get` finds, in maps below and above the
        /// size where it stops searching in order.
        #[test]
        fn fields_agree_with_get(keys in prop::collection::vec("[a-z_]{0,12}", 0..40), probe in "[a-z_]{0,12}") {
            use crate::Fields;
            let m: serde_json::Map<String, serde_json::Value> =
                keys.iter().enumerate().map(|(i, k)| (k.clone(), serde_json::Value::from(i))).collect();
            for k in keys.iter().chain([&probe]) {
                prop_assert_eq!(m.field(k), m.get(k));
                prop_assert_eq!(m.has(k), m.contains_key(k));
                let v = serde_json::Value::Object(m.clone());
                prop_assert_eq!(v.field(k), m.get(k));
            }
        }

        /// Arbitrary bytes never panic the parser.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_reader(&bytes[..], |_| ControlFlow::Continue(()));
        }

        /// Any prefix of a valid bundle either parses or fails cleanly.
        #[test]
        fn truncations_never_panic(cut in 0usize..BUNDLE.len()) {
            let _ = parse_reader(&BUNDLE.as_bytes()[..cut], |_| ControlFlow::Continue(()));
        }
    }
}

#[test]
fn envelopes_stream_their_objects() {
    let mut got = Vec::new();
    let r = split_envelope(
        &br#"{"more": false, "objects": [{"type": "x-a"}, {"type": "x-b"}], "next": "1"}"#[..],
        |p| {
            if let Piece::Object(o) = p {
                got.push(String::from_utf8_lossy(o.bytes).into_owned());
            }
            ControlFlow::Continue(())
        },
    )
    .unwrap();
    assert_eq!(r.objects, 2);
    assert_eq!(got, [r#"{"type": "x-a"}"#, r#"{"type": "x-b"}"#]);
    let empty = split_envelope(&b"{}"[..], |_| ControlFlow::Continue(())).unwrap();
    assert_eq!(empty.objects, 0);
    for bad in [
        &b"[]"[..],
        b"",
        b"{\"objects\": [}",
        b"{} {}",
        b"\"x\"",
        b"{\"objects\": 5}",
        b"{\"objects\": null}",
        b"{\"objects\": {\"type\": \"x\"}}",
        b"{\"objects\": [], \"objects\": []}",
    ] {
        assert!(
            split_envelope(bad, |_| ControlFlow::Continue(())).is_err(),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn minify_refuses_what_is_not_json_without_panicking() {
    assert_eq!(minify("\"a\\"), None);
    assert_eq!(minify("\"a"), None);
    assert_eq!(
        minify("{ \"a\\\"b\" : [1, 2] }").as_deref(),
        Some("{\"a\\\"b\":[1,2]}")
    );
}
