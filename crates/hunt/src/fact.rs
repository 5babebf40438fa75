//! What adapters make of a log record: a time and a list of *facts*, each a
//! value at a STIX object path (`network-traffic:dst_ref.value = 203.0.113.9`).
//!
//! Facts are the one description of a record: [`observation`] builds the STIX
//! observation a pattern is matched against from them, and the hunter's
//! pre-filter ([`crate::hunter`]) probes the indicator set with the same
//! facts, so the two cannot disagree about what a record holds.
//!
//! How facts become objects: a fact on `T:k` sets `k` on the record's current
//! object of type `T` (a new one when `k` is already set there); a fact on a
//! list property (`protocols`) appends. A fact through a reference
//! (`T:r_ref.k`, `T:r_refs.k`) sets `k` on the object `r_ref` names, made on
//! first use (one per value for `_refs`), whose type the property decides
//! (`src_ref`/`dst_ref`: `ipv4-addr` or `ipv6-addr` by the value's form).
//! Referenced objects are objects of the observation in their own right.

use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use vigil_pattern::ast::{CompExpr, ObjectPath, ObsExpr, Step};
use vigil_pattern::{Instant, Observation, Pattern};

/// How the type of a referenced object is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefTarget {
    /// `ipv4-addr` or `ipv6-addr`, by the value's form.
    Addr,
    /// An address as [`RefTarget::Addr`], else a `domain-name`.
    AddrOrDomain,
    /// Always this type.
    Fixed(&'static str),
}

impl RefTarget {
    /// The reference properties known, and what they point at.
    fn of(prop: &str) -> Option<RefTarget> {
        Some(match prop {
            "src_ref" | "dst_ref" => RefTarget::Addr,
            "resolves_to_refs" => RefTarget::AddrOrDomain,
            "from_ref" | "sender_ref" | "to_refs" | "cc_refs" | "bcc_refs" => {
                RefTarget::Fixed("email-addr")
            }
            "image_ref" | "body_raw_ref" => RefTarget::Fixed("file"),
            "parent_directory_ref" => RefTarget::Fixed("directory"),
            "creator_user_ref" => RefTarget::Fixed("user-account"),
            "parent_ref" => RefTarget::Fixed("process"),
            _ => return None,
        })
    }

    /// The type of the object a value makes.
    pub fn type_for(self, value: &Val<'_>) -> &'static str {
        match (self, value) {
            (RefTarget::Fixed(t), _) => t,
            (RefTarget::Addr | RefTarget::AddrOrDomain, Val::Str(s)) => match shape(s) {
                Shape::V6 => "ipv6-addr",
                Shape::V4 => "ipv4-addr",
                Shape::Other if self == RefTarget::Addr => "ipv4-addr",
                Shape::Other => "domain-name",
            },
            (RefTarget::Addr, Val::Int(_)) => "ipv4-addr",
            (RefTarget::AddrOrDomain, Val::Int(_)) => "domain-name",
        }
    }

    /// The place of [`RefTarget::type_for`] in [`RefTarget::types`].
    pub fn type_index(self, value: &Val<'_>) -> usize {
        match (self, value) {
            (RefTarget::Fixed(_), _) | (RefTarget::Addr, Val::Int(_)) => 0,
            (RefTarget::AddrOrDomain, Val::Int(_)) => 2,
            (_, Val::Str(s)) => match shape(s) {
                Shape::V6 => 1,
                Shape::V4 => 0,
                Shape::Other if self == RefTarget::Addr => 0,
                Shape::Other => 2,
            },
        }
    }

    /// Every type it may give.
    pub fn types(self) -> &'static [&'static str] {
        match self {
            RefTarget::Fixed("email-addr") => &["email-addr"],
            RefTarget::Fixed("file") => &["file"],
            RefTarget::Fixed("directory") => &["directory"],
            RefTarget::Fixed("user-account") => &["user-account"],
            RefTarget::Fixed(_) => &["process"],
            RefTarget::Addr => &["ipv4-addr", "ipv6-addr"],
            RefTarget::AddrOrDomain => &["ipv4-addr", "ipv6-addr", "domain-name"],
        }
    }
}

/// An IPv6 address or block (cheap test: a colon; short values are looked
/// through in place, not by a call to `memchr`).
pub fn looks_v6(s: &str) -> bool {
    s.bytes().any(|c| c == b':')
}

/// An IPv4 address or block (digits, dots, an optional `/n`).
pub fn looks_v4(s: &str) -> bool {
    shape(s) == Shape::V4
}

/// What a value looks like: [`looks_v6`], [`looks_v4`] or neither, in one
/// pass over its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    V6,
    V4,
    Other,
}

fn shape(s: &str) -> Shape {
    // Without a branch per byte (digits and dots alternate unpredictably):
    // each byte's classes, or-ed and and-ed.
    const COLON: u8 = 1;
    const DOT: u8 = 2;
    const V4: u8 = 4;
    const CLASS: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut c = b'0';
        while c <= b'9' {
            t[c as usize] = V4;
            c += 1;
        }
        t[b'/' as usize] = V4;
        t[b'.' as usize] = V4 | DOT;
        t[b':' as usize] = COLON;
        t
    };
    let (mut any, mut all) = (0u8, V4);
    for c in s.bytes() {
        let k = CLASS[usize::from(c)];
        any |= k;
        all &= k;
    }
    if any & COLON != 0 {
        Shape::V6
    } else if all & V4 != 0 && any & DOT != 0 {
        Shape::V4
    } else {
        Shape::Other
    }
}

/// One STIX object path facts are written at.
#[derive(Debug, Clone)]
pub struct FieldPath {
    /// The path as patterns write it.
    pub text: String,
    /// The type of the object the fact lands on (the referencing one for a
    /// path through a reference).
    pub object_type: String,
    /// The reference property the path goes through, and its targets.
    pub via: Option<(String, RefTarget)>,
    /// The keys below the object (or the referenced object).
    pub keys: Vec<String>,
    /// Whether the last key holds a list (`protocols`): facts append.
    pub list: bool,
}

impl FieldPath {
    /// Reads `type:path` (the pattern grammar's object path; `[*]` allowed
    /// after a `_refs` property).
    pub fn parse(text: &str) -> Result<FieldPath, String> {
        let p = Pattern::parse(&format!("[{text} = 'x']"))
            .map_err(|e| format!("{text:?} is not a STIX object path: {e}"))?;
        let ObsExpr::Leaf(CompExpr::Test(c)) = p.root() else {
            return Err(format!("{text:?} is not a STIX object path"));
        };
        let path: &ObjectPath = &c.path;
        let mut keys = Vec::new();
        let mut via = None;
        for (i, step) in path.steps.iter().enumerate() {
            match step {
                Step::Key(k) if i == 0 && (k.ends_with("_ref") || k.ends_with("_refs")) => {
                    if path.steps.len() == 1 {
                        return Err(format!("{text:?}: a reference needs a property after it"));
                    }
                    let target = RefTarget::of(k)
                        .ok_or_else(|| format!("{text:?}: unknown reference property {k}"))?;
                    via = Some((k.clone(), target));
                }
                Step::Key(k) => keys.push(k.clone()),
                Step::AnyIndex
                    if i == 1 && via.as_ref().is_some_and(|(r, _)| r.ends_with("_refs")) => {}
                _ => return Err(format!("{text:?}: list indexes are not allowed here")),
            }
        }
        let last = keys.last().map(String::as_str).unwrap_or_default();
        let list = via.is_none() && matches!(last, "protocols");
        Ok(FieldPath {
            text: text.to_string(),
            object_type: path.object_type.clone(),
            via,
            keys,
            list,
        })
    }
}

/// A path's number in its [`PathTable`].
pub type PathId = u16;

/// Every path facts may be written at: the built-in ones of the adapters
/// (numbered by [`P`]) and those of a mapping file.
#[derive(Debug, Clone)]
pub struct PathTable {
    paths: Vec<FieldPath>,
    by_text: HashMap<String, PathId>,
}

macro_rules! builtin_paths {
    ($($name:ident = $text:literal,)*) => {
        /// The built-in paths' numbers.
        #[allow(missing_docs)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u16)]
        pub enum P { $($name,)* }
        const BUILTIN: &[&str] = &[$($text,)*];
        const _: () = assert!(BUILTIN.len() <= 64, "a Want has a bit per built-in path");
    };
}

builtin_paths! {
    NtSrc = "network-traffic:src_ref.value",
    NtDst = "network-traffic:dst_ref.value",
    NtSrcPort = "network-traffic:src_port",
    NtDstPort = "network-traffic:dst_port",
    NtProtocols = "network-traffic:protocols",
    NtSrcBytes = "network-traffic:src_byte_count",
    NtDstBytes = "network-traffic:dst_byte_count",
    NtSrcPackets = "network-traffic:src_packets",
    NtDstPackets = "network-traffic:dst_packets",
    HttpMethod = "network-traffic:extensions.'http-request-ext'.request_method",
    HttpValue = "network-traffic:extensions.'http-request-ext'.request_value",
    HttpUserAgent = "network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'",
    Domain = "domain-name:value",
    DomainResolves = "domain-name:resolves_to_refs[*].value",
    Url = "url:value",
    FileName = "file:name",
    FileMd5 = "file:hashes.MD5",
    FileSha1 = "file:hashes.'SHA-1'",
    FileSha256 = "file:hashes.'SHA-256'",
    FileMime = "file:mime_type",
    FileSize = "file:size",
    FileDir = "file:parent_directory_ref.path",
    CertSha1 = "x509-certificate:hashes.'SHA-1'",
    CertSha256 = "x509-certificate:hashes.'SHA-256'",
    CertSerial = "x509-certificate:serial_number",
    CertSubject = "x509-certificate:subject",
    CertIssuer = "x509-certificate:issuer",
    ProcPid = "process:pid",
    ProcCommandLine = "process:command_line",
    ProcImageName = "process:image_ref.name",
    ProcImageMd5 = "process:image_ref.hashes.MD5",
    ProcImageSha1 = "process:image_ref.hashes.'SHA-1'",
    ProcImageSha256 = "process:image_ref.hashes.'SHA-256'",
    UserLogin = "user-account:account_login",
    UserId = "user-account:user_id",
    EmailFrom = "email-message:from_ref.value",
    EmailTo = "email-message:to_refs[*].value",
    EmailSubject = "email-message:subject",
}

impl P {
    /// The path's number.
    pub fn id(self) -> PathId {
        self as PathId
    }

    /// Its bit in a [`Want`].
    pub const fn bit(self) -> u64 {
        1 << self as u64
    }
}

/// Which facts an adapter must write: a bit per built-in path ([`P`]). An
/// adapter given less than [`Want::ALL`] may leave out the facts of other
/// paths, and then skips reading the fields only they come from; the facts
/// of the paths wanted are the same as when reading everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Want(u64);

impl Want {
    /// Every fact.
    pub const ALL: Want = Want(u64::MAX);

    /// No fact (only the record's time).
    pub const NONE: Want = Want(0);

    /// The facts of these paths; a path that is not built-in makes it [`Want::ALL`].
    pub fn of(paths: impl IntoIterator<Item = PathId>) -> Want {
        let mut bits = 0u64;
        for p in paths {
            if usize::from(p) >= BUILTIN.len() {
                return Want::ALL;
            }
            bits |= 1 << p;
        }
        Want(bits)
    }

    /// Whether some of these paths (bits of [`P::bit`]) are wanted.
    #[inline]
    pub fn any(self, paths: u64) -> bool {
        self.0 & paths != 0
    }

    /// Whether every fact is wanted.
    pub fn all(self) -> bool {
        self == Want::ALL
    }
}

/// Whether a path number is a built-in path's (a [`P`]).
pub fn is_builtin(id: PathId) -> bool {
    usize::from(id) < BUILTIN.len()
}

impl Default for Want {
    fn default() -> Self {
        Want::ALL
    }
}

impl Default for PathTable {
    fn default() -> Self {
        PathTable::new()
    }
}

impl PathTable {
    /// The built-in paths.
    pub fn new() -> PathTable {
        let mut t = PathTable {
            paths: Vec::new(),
            by_text: HashMap::new(),
        };
        for text in BUILTIN {
            let p = FieldPath::parse(text).expect("built-in paths are valid");
            t.by_text.insert(p.text.clone(), t.paths.len() as PathId);
            t.paths.push(p);
        }
        t
    }

    /// The number of a path, added if new.
    pub fn intern(&mut self, text: &str) -> Result<PathId, String> {
        if let Some(&id) = self.by_text.get(text) {
            return Ok(id);
        }
        let p = FieldPath::parse(text)?;
        if let Some(&id) = self.by_text.get(&p.text) {
            return Ok(id);
        }
        if self.paths.len() >= PathId::MAX as usize {
            return Err("too many paths".into());
        }
        let id = self.paths.len() as PathId;
        self.by_text.insert(p.text.clone(), id);
        self.paths.push(p);
        Ok(id)
    }

    /// A path by number.
    pub fn get(&self, id: PathId) -> &FieldPath {
        &self.paths[id as usize]
    }

    /// Every path, by number.
    pub fn iter(&self) -> impl Iterator<Item = (PathId, &FieldPath)> {
        self.paths.iter().enumerate().map(|(i, p)| (i as PathId, p))
    }

    /// How many paths.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Never: the built-in paths are always there.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}

/// A value of a fact.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    /// A string (borrowed from the record where it needed no unescaping).
    Str(Cow<'a, str>),
    /// An integer.
    Int(i64),
}

impl Val<'_> {
    /// An owned copy.
    pub fn into_owned(self) -> Val<'static> {
        match self {
            Val::Str(s) => Val::Str(Cow::Owned(s.into_owned())),
            Val::Int(i) => Val::Int(i),
        }
    }

    fn json(&self) -> Value {
        match self {
            Val::Str(s) => Value::String(s.to_string()),
            Val::Int(i) => Value::from(*i),
        }
    }

    /// The value as text.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Val::Str(s) => Cow::Borrowed(s),
            Val::Int(i) => Cow::Owned(i.to_string()),
        }
    }
}

/// One fact: a value at a path.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact<'a> {
    /// The path's number in the [`PathTable`].
    pub path: PathId,
    /// The value.
    pub val: Val<'a>,
}

/// One log record as facts.
#[derive(Debug, Default)]
pub struct Record<'a> {
    /// When it happened.
    pub time: Option<Instant>,
    /// What it holds.
    pub facts: Vec<Fact<'a>>,
}

impl<'a> Record<'a> {
    /// Adds a string fact (nothing for an empty value).
    pub fn str(&mut self, path: P, s: Cow<'a, str>) {
        if !s.is_empty() && s != "-" {
            self.facts.push(Fact {
                path: path.id(),
                val: Val::Str(s),
            });
        }
    }

    /// Adds a string fact when there is a value.
    pub fn opt_str(&mut self, path: P, s: Option<Cow<'a, str>>) {
        if let Some(s) = s {
            self.str(path, s);
        }
    }

    /// Adds an integer fact when there is a value.
    pub fn opt_int(&mut self, path: P, i: Option<i64>) {
        if let Some(i) = i {
            self.int(path, i);
        }
    }

    /// Adds an integer fact.
    pub fn int(&mut self, path: P, i: i64) {
        self.facts.push(Fact {
            path: path.id(),
            val: Val::Int(i),
        });
    }

    /// Empties it for the next record, keeping its allocation, under a new lifetime.
    pub fn recycle<'b>(mut self) -> Record<'b> {
        self.facts.clear();
        Record {
            time: None,
            // An empty vector's allocation, reused for the shorter-lived values.
            facts: self.facts.into_iter().map(|_| unreachable!()).collect(),
        }
    }
}

/// The STIX observation a record is: its objects, named `"0"`, `"1"`, ...
/// (references use those names), in one observed-data at the record's time.
pub fn observation(table: &PathTable, rec: &Record<'_>) -> Observation {
    let mut objects: Vec<Map<String, Value>> = Vec::new();
    // The current object of each type, and the target of each single reference.
    let mut current: HashMap<&str, usize> = HashMap::new();
    let mut single_refs: HashMap<(usize, &str), usize> = HashMap::new();
    fn new_object(objects: &mut Vec<Map<String, Value>>, ty: &str) -> usize {
        let mut m = Map::new();
        m.insert("type".into(), Value::String(ty.to_string()));
        objects.push(m);
        objects.len() - 1
    }
    for fact in &rec.facts {
        let p = table.get(fact.path);
        let ty = p.object_type.as_str();
        let owner = match current.get(ty) {
            Some(&i) => i,
            None => {
                let i = new_object(&mut objects, ty);
                current.insert(ty, i);
                i
            }
        };
        match &p.via {
            None => {
                let owner = if !p.list && has_keys(&objects[owner], &p.keys) {
                    let i = new_object(&mut objects, ty);
                    current.insert(ty, i);
                    i
                } else {
                    owner
                };
                set_keys(&mut objects[owner], &p.keys, fact.val.json(), p.list);
            }
            Some((prop, target)) => {
                let target_ty = target.type_for(&fact.val);
                if prop.ends_with("_refs") {
                    let t = new_object(&mut objects, target_ty);
                    set_keys(&mut objects[t], &p.keys, fact.val.json(), false);
                    let name = Value::String(t.to_string());
                    match objects[owner].get_mut(prop.as_str()) {
                        Some(Value::Array(a)) => a.push(name),
                        _ => {
                            objects[owner].insert(prop.clone(), Value::Array(vec![name]));
                        }
                    }
                } else {
                    let existing = single_refs
                        .get(&(owner, prop.as_str()))
                        .copied()
                        .filter(|&t| !has_keys(&objects[t], &p.keys));
                    let owner = if existing.is_none()
                        && single_refs.contains_key(&(owner, prop.as_str()))
                    {
                        // This reference is taken for that key: a new owner.
                        let i = new_object(&mut objects, ty);
                        current.insert(ty, i);
                        i
                    } else {
                        owner
                    };
                    let t = match existing {
                        Some(t) => t,
                        None => {
                            let t = new_object(&mut objects, target_ty);
                            objects[owner].insert(prop.clone(), Value::String(t.to_string()));
                            single_refs.insert((owner, prop.as_str()), t);
                            t
                        }
                    };
                    set_keys(&mut objects[t], &p.keys, fact.val.json(), false);
                }
            }
        }
    }
    let time = rec.time.unwrap_or(Instant { secs: 0, nanos: 0 });
    Observation {
        id: None,
        first_observed: time,
        last_observed: time,
        number_observed: 1,
        objects: objects
            .into_iter()
            .enumerate()
            .map(|(i, m)| (i.to_string(), Arc::new(Value::Object(m))))
            .collect(),
    }
}

fn has_keys(m: &Map<String, Value>, keys: &[String]) -> bool {
    let mut cur = m;
    for (i, k) in keys.iter().enumerate() {
        match cur.get(k) {
            None => return false,
            Some(Value::Object(inner)) if i + 1 < keys.len() => cur = inner,
            Some(_) => return i + 1 == keys.len(),
        }
    }
    false
}

fn set_keys(m: &mut Map<String, Value>, keys: &[String], v: Value, list: bool) {
    let Some((last, inner)) = keys.split_last() else {
        return;
    };
    let mut cur = m;
    for k in inner {
        let slot = cur
            .entry(k.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        let Value::Object(next) = slot else {
            unreachable!()
        };
        cur = next;
    }
    if list {
        match cur.get_mut(last) {
            Some(Value::Array(a)) => a.push(v),
            _ => {
                cur.insert(last.clone(), Value::Array(vec![v]));
            }
        }
    } else {
        cur.insert(last.clone(), v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj<'o>(o: &'o Observation, ty: &str) -> Vec<&'o Value> {
        let mut v: Vec<(&String, &Value)> = o
            .objects
            .iter()
            .filter(|(_, v)| v["type"] == ty)
            .map(|(k, v)| (k, &**v))
            .collect();
        v.sort_by_key(|(k, _)| k.parse::<usize>().unwrap());
        v.into_iter().map(|(_, v)| v).collect()
    }

    #[test]
    fn type_index_is_the_place_of_type_for() {
        for t in [
            RefTarget::Addr,
            RefTarget::AddrOrDomain,
            RefTarget::Fixed("email-addr"),
            RefTarget::Fixed("file"),
        ] {
            for v in ["10.0.0.1", "2001:db8::1", "a.example", "", "10.0.0.0/8"] {
                let v = Val::Str(v.into());
                assert_eq!(t.types()[t.type_index(&v)], t.type_for(&v));
            }
            let v = Val::Int(7);
            assert_eq!(t.types()[t.type_index(&v)], t.type_for(&v));
        }
    }

    #[test]
    fn builtin_numbers_match_texts() {
        let t = PathTable::new();
        assert_eq!(t.get(P::NtDst.id()).text, "network-traffic:dst_ref.value");
        assert_eq!(t.get(P::EmailSubject.id()).text, "email-message:subject");
        assert!(t.get(P::NtProtocols.id()).list);
    }

    #[test]
    fn builds_connection_with_references() {
        let t = PathTable::new();
        let mut r = Record {
            time: Some(Instant { secs: 10, nanos: 0 }),
            facts: vec![],
        };
        r.str(P::NtSrc, "10.0.0.1".into());
        r.str(P::NtDst, "2001:db8::1".into());
        r.int(P::NtDstPort, 443);
        r.str(P::NtProtocols, "ipv6".into());
        r.str(P::NtProtocols, "tcp".into());
        r.str(P::Domain, "evil.example".into());
        r.str(P::DomainResolves, "203.0.113.9".into());
        r.str(P::DomainResolves, "cdn.evil.example".into());
        let o = observation(&t, &r);
        let nt = obj(&o, "network-traffic");
        assert_eq!(nt.len(), 1);
        assert_eq!(nt[0]["protocols"], serde_json::json!(["ipv6", "tcp"]));
        let dst = &o.objects[nt[0]["dst_ref"].as_str().unwrap()];
        assert_eq!(dst["type"], "ipv6-addr");
        let d = obj(&o, "domain-name");
        assert_eq!(d.len(), 2);
        assert_eq!(d[0]["value"], "evil.example");
        assert_eq!(d[0]["resolves_to_refs"].as_array().unwrap().len(), 2);
        for p in [
            "[domain-name:resolves_to_refs[*].value = '203.0.113.9']",
            "[network-traffic:dst_ref.value = '2001:db8::1']",
            "[ipv6-addr:value = '2001:db8::1']",
            "[domain-name:value = 'cdn.evil.example']",
        ] {
            let p = Pattern::parse(p).unwrap();
            assert!(
                p.matches(std::slice::from_ref(&o)).unwrap().is_some(),
                "{p}: {o:?}"
            );
        }
    }

    #[test]
    fn a_key_set_twice_starts_a_new_object() {
        let t = PathTable::new();
        let mut r = Record {
            time: Some(Instant { secs: 0, nanos: 0 }),
            facts: vec![],
        };
        r.str(P::Domain, "a.example".into());
        r.str(P::Domain, "b.example".into());
        r.str(P::ProcImageName, "x.exe".into());
        r.str(P::ProcImageSha256, "ab".into());
        let o = observation(&t, &r);
        assert_eq!(obj(&o, "domain-name").len(), 2);
        let procs = obj(&o, "process");
        assert_eq!(procs.len(), 1);
        let image = &o.objects[procs[0]["image_ref"].as_str().unwrap()];
        assert_eq!(image["name"], "x.exe");
        assert_eq!(image["hashes"]["SHA-256"], "ab");
    }

    #[test]
    fn mapping_paths_are_checked() {
        let mut t = PathTable::new();
        assert!(t.intern("network-traffic:src_ref.value").is_ok());
        assert!(t.intern("x-custom:weird_prop").is_ok());
        assert!(t.intern("not a path").is_err());
        assert!(t.intern("network-traffic:nope_ref.value").is_err());
        assert!(t.intern("network-traffic:protocols[0]").is_err());
    }
}
