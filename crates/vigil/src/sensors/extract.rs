//! What of a STIX pattern a sensor can match: the values of its equality
//! comparisons, branch by branch of its `OR`s.
//!
//! A pattern is an `OR` of branches (observation expressions joined by `OR`,
//! and inside each, comparisons joined by `OR`). A branch that is one
//! equality (`=`, `IN`, or `ISSUBSET` a network for addresses) on a path
//! sensors know gives [`Observable`]s; every other branch (an `AND`, a
//! qualifier, `FOLLOWEDBY`, `!=`, `LIKE`, `NOT`, ...) gives a [`Problem`]
//! saying why, so that nothing is dropped without a word. Writing the
//! observables of the good branches of a partly expressible pattern is sound:
//! each branch of an `OR` is enough on its own for the pattern to match.

use super::values::{self, Algo, IpNet, Url};
use vigil_pattern::{CompExpr, Comparison, Literal, ObjectPath, ObsExpr, Op, Qualifier, Step};

/// Where an address is matched in a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Either end (`ipv4-addr:value`, `ipv6-addr:value`).
    Any,
    /// The source (`network-traffic:src_ref.value`).
    Src,
    /// The destination (`network-traffic:dst_ref.value`).
    Dst,
}

impl Direction {
    /// `any`, `src`, `dst`.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Any => "any",
            Direction::Src => "src",
            Direction::Dst => "dst",
        }
    }
}

/// The kinds of observable; a [`Problem`] names those it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// IPv4/IPv6 addresses and networks.
    Ip,
    /// Domain names.
    Domain,
    /// URLs.
    Url,
    /// File digests.
    FileHash,
    /// File names.
    FileName,
    /// Mail addresses.
    Email,
    /// Certificate digests.
    CertHash,
    /// Anything else (ports, process names, custom objects, ...).
    Other,
}

/// One value a sensor can match.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Observable {
    /// An address or network, and where in a flow.
    Ip { net: IpNet, dir: Direction },
    /// A domain name (lowercase A-labels).
    Domain(String),
    /// A URL.
    Url(Url),
    /// A file digest (lowercase hex).
    FileHash { algo: Algo, hex: String },
    /// A file name, as written.
    FileName(String),
    /// A mail address, as written.
    Email(String),
    /// An X.509 certificate digest (lowercase hex).
    CertHash { algo: Algo, hex: String },
}

impl Observable {
    /// Its [`Kind`].
    pub fn kind(&self) -> Kind {
        match self {
            Observable::Ip { .. } => Kind::Ip,
            Observable::Domain(_) => Kind::Domain,
            Observable::Url(_) => Kind::Url,
            Observable::FileHash { .. } => Kind::FileHash,
            Observable::FileName(_) => Kind::FileName,
            Observable::Email(_) => Kind::Email,
            Observable::CertHash { .. } => Kind::CertHash,
        }
    }

    /// A short name of what it is: `ipv4`, `ipv6-cidr`, `domain`, `url`,
    /// `sha256`, `file-name`, `email`, `x509-sha1`, ...
    pub fn kind_name(&self) -> String {
        match self {
            Observable::Ip { net, .. } => {
                let v = if net.addr.is_ipv6() { "ipv6" } else { "ipv4" };
                if net.is_single() {
                    v.to_owned()
                } else {
                    format!("{v}-cidr")
                }
            }
            Observable::Domain(_) => "domain".to_owned(),
            Observable::Url(_) => "url".to_owned(),
            Observable::FileHash { algo, .. } => algo.short().to_owned(),
            Observable::FileName(_) => "file-name".to_owned(),
            Observable::Email(_) => "email".to_owned(),
            Observable::CertHash { algo, .. } => format!("x509-{}", algo.short()),
        }
    }

    /// The value as text (normalised).
    pub fn value(&self) -> String {
        match self {
            Observable::Ip { net, .. } => net.to_string(),
            Observable::Url(u) => u.to_string(),
            Observable::Domain(s)
            | Observable::FileName(s)
            | Observable::Email(s)
            | Observable::FileHash { hex: s, .. }
            | Observable::CertHash { hex: s, .. } => s.clone(),
        }
    }

    /// The STIX object path the value belongs to, in normalised pattern syntax.
    pub fn stix_path(&self) -> String {
        match self {
            Observable::Ip { net, dir } => match dir {
                Direction::Any => format!("{}:value", net.stix_type()),
                Direction::Src => "network-traffic:src_ref.value".to_owned(),
                Direction::Dst => "network-traffic:dst_ref.value".to_owned(),
            },
            Observable::Domain(_) => "domain-name:value".to_owned(),
            Observable::Url(_) => "url:value".to_owned(),
            Observable::FileHash { algo, .. } => format!("file:hashes.{}", hash_key(*algo)),
            Observable::FileName(_) => "file:name".to_owned(),
            Observable::Email(_) => "email-addr:value".to_owned(),
            Observable::CertHash { algo, .. } => {
                format!("x509-certificate:hashes.{}", hash_key(*algo))
            }
        }
    }

    /// The STIX types `--type` may name to select it: the type of the
    /// object compared and, for a flow's address, the address's type.
    pub fn stix_types(&self) -> Vec<&'static str> {
        match self {
            Observable::Ip { net, dir } => match dir {
                Direction::Any => vec![net.stix_type()],
                _ => vec!["network-traffic", net.stix_type()],
            },
            Observable::Domain(_) => vec!["domain-name"],
            Observable::Url(_) => vec!["url"],
            Observable::FileHash { .. } | Observable::FileName(_) => vec!["file"],
            Observable::Email(_) => vec!["email-addr"],
            Observable::CertHash { .. } => vec!["x509-certificate"],
        }
    }
}

/// A hash algorithm's name as a path key: quoted when it holds a hyphen.
fn hash_key(algo: Algo) -> String {
    let name = algo.stix_name();
    if name.contains('-') {
        format!("'{name}'")
    } else {
        name.to_owned()
    }
}

/// A branch of a pattern no sensor format can take, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Why, in a few words, naming the operator or path.
    pub reason: String,
    /// The kinds of observable its comparisons are about (sorted, distinct).
    pub kinds: Vec<Kind>,
    /// The STIX object types its comparisons are about (sorted, distinct).
    pub types: Vec<String>,
}

/// A pattern's branches: the values sensors can match and the problems.
#[derive(Debug, Default)]
pub struct Extraction {
    /// Observables, in the order the pattern gives them (duplicates possible).
    pub values: Vec<Observable>,
    /// Branches that cannot be expressed.
    pub problems: Vec<Problem>,
}

enum Work<'a> {
    Obs(&'a ObsExpr),
    Comp(&'a CompExpr),
}

/// Splits a pattern into its branches (an explicit stack: nesting is bounded
/// by the parser, but the walk does not rely on it).
pub fn extract(root: &ObsExpr) -> Extraction {
    let mut out = Extraction::default();
    let mut stack = vec![Work::Obs(root)];
    while let Some(w) = stack.pop() {
        match w {
            Work::Obs(ObsExpr::Leaf(c)) => stack.push(Work::Comp(c)),
            Work::Obs(ObsExpr::Or(v)) => stack.extend(v.iter().rev().map(Work::Obs)),
            Work::Obs(e @ ObsExpr::And(_)) => {
                out.problems
                    .push(problem(&e.comparisons(), "AND across observations"));
            }
            Work::Obs(e @ ObsExpr::FollowedBy(_)) => {
                out.problems
                    .push(problem(&e.comparisons(), "FOLLOWEDBY across observations"));
            }
            Work::Obs(e @ ObsExpr::Qualified(_, q)) => {
                let what = match q {
                    Qualifier::Within(_) => "a WITHIN qualifier",
                    Qualifier::Repeats(_) => "a REPEATS qualifier",
                    Qualifier::StartStop(..) => "a START/STOP qualifier",
                };
                out.problems.push(problem(&e.comparisons(), what));
            }
            Work::Comp(CompExpr::Test(t)) => comparison(t, &mut out),
            Work::Comp(CompExpr::Or(v)) => stack.extend(v.iter().rev().map(Work::Comp)),
            Work::Comp(e @ CompExpr::And(_)) => {
                out.problems
                    .push(problem(&e.comparisons(), "AND within one observation"));
            }
        }
    }
    out
}

fn problem(comparisons: &[&Comparison], reason: &str) -> Problem {
    let mut kinds: Vec<Kind> = comparisons.iter().map(|c| path_kind(&c.path).0).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut types: Vec<String> = comparisons
        .iter()
        .map(|c| c.path.object_type.clone())
        .collect();
    types.sort_unstable();
    types.dedup();
    Problem {
        reason: reason.to_owned(),
        kinds,
        types,
    }
}

/// What a path is about; the hash algorithm for hash paths.
#[derive(Clone, Copy)]
enum PathOf {
    Ip(Direction),
    Domain,
    Url,
    FileHash(Option<Algo>),
    FileName,
    Email,
    CertHash(Option<Algo>),
}

fn path_kind(path: &ObjectPath) -> (Kind, Option<PathOf>) {
    let keys: Option<Vec<&str>> = path
        .steps
        .iter()
        .map(|s| match s {
            Step::Key(k) => Some(k.as_str()),
            _ => None,
        })
        .collect();
    let of = match (path.object_type.as_str(), keys.as_deref()) {
        ("ipv4-addr" | "ipv6-addr", Some(["value"])) => PathOf::Ip(Direction::Any),
        ("network-traffic", Some(["src_ref", "value"])) => PathOf::Ip(Direction::Src),
        ("network-traffic", Some(["dst_ref", "value"])) => PathOf::Ip(Direction::Dst),
        ("domain-name", Some(["value"])) => PathOf::Domain,
        ("url", Some(["value"])) => PathOf::Url,
        ("file", Some(["hashes", algo])) => PathOf::FileHash(Algo::from_stix(algo)),
        ("file", Some(["name"])) => PathOf::FileName,
        ("email-addr", Some(["value"])) => PathOf::Email,
        ("x509-certificate", Some(["hashes", algo])) => PathOf::CertHash(Algo::from_stix(algo)),
        _ => return (Kind::Other, None),
    };
    let kind = match of {
        PathOf::Ip(_) => Kind::Ip,
        PathOf::Domain => Kind::Domain,
        PathOf::Url => Kind::Url,
        PathOf::FileHash(_) => Kind::FileHash,
        PathOf::FileName => Kind::FileName,
        PathOf::Email => Kind::Email,
        PathOf::CertHash(_) => Kind::CertHash,
    };
    (kind, Some(of))
}

/// An object path in pattern syntax: `file:hashes.'SHA-256'`, `a:b[0].c`.
pub fn path_text(path: &ObjectPath) -> String {
    let mut s = format!("{}:", path.object_type);
    for (i, step) in path.steps.iter().enumerate() {
        match step {
            Step::Key(k) => {
                if i > 0 {
                    s.push('.');
                }
                if !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    s.push_str(k);
                } else {
                    s.push('\'');
                    s.push_str(&k.replace('\\', "\\\\").replace('\'', "\\'"));
                    s.push('\'');
                }
            }
            Step::Index(n) => s.push_str(&format!("[{n}]")),
            Step::AnyIndex => s.push_str("[*]"),
        }
    }
    s
}

fn comparison(c: &Comparison, out: &mut Extraction) {
    let path = path_text(&c.path);
    let fail = |out: &mut Extraction, reason: String| out.problems.push(problem(&[c], &reason));
    if c.negated {
        return fail(out, format!("NOT {} on {path}", c.op.as_str()));
    }
    let (_, of) = path_kind(&c.path);
    let Some(of) = of else {
        return fail(out, format!("{path} is not a value sensors match"));
    };
    let literals: Vec<&Literal> = match (c.op, &c.value) {
        (Op::Eq, Some(l)) => vec![l],
        (Op::In, Some(Literal::Set(items))) => items.iter().collect(),
        (Op::IsSubset, Some(l)) if matches!(of, PathOf::Ip(_)) => vec![l],
        (op, _) => return fail(out, format!("{} on {path}", op.as_str())),
    };
    for lit in literals {
        let Literal::Str(s) = lit else {
            fail(
                out,
                format!("{path} compared with a literal that is not a string"),
            );
            continue;
        };
        match observable(of, s, &path) {
            Ok(o) => out.values.push(o),
            Err(why) => fail(out, why),
        }
    }
}

fn observable(of: PathOf, s: &str, path: &str) -> Result<Observable, String> {
    Ok(match of {
        PathOf::Ip(dir) => {
            let net = IpNet::parse(s)
                .ok_or_else(|| format!("{} is not an IP address or network", values::quote(s)))?;
            let want = match path {
                "ipv4-addr:value" => Some(false),
                "ipv6-addr:value" => Some(true),
                _ => None,
            };
            if want.is_some_and(|v6| v6 != net.addr.is_ipv6()) {
                return Err(format!("{} does not fit {path}", values::quote(s)));
            }
            Observable::Ip { net, dir }
        }
        PathOf::Domain => Observable::Domain(values::domain(s)?),
        PathOf::Url => Observable::Url(Url::parse(s)?),
        PathOf::FileHash(Some(algo)) => Observable::FileHash {
            algo,
            hex: values::hex_digest(algo, s)?,
        },
        PathOf::CertHash(Some(algo)) => Observable::CertHash {
            algo,
            hex: values::hex_digest(algo, s)?,
        },
        PathOf::FileHash(None) | PathOf::CertHash(None) => {
            return Err(format!("{path} is not a hex digest sensors match"));
        }
        PathOf::FileName => Observable::FileName(nonempty(s, "file name")?),
        PathOf::Email => {
            let ok = s.contains('@') && !s.chars().any(|c| c.is_whitespace() || c.is_control());
            if !ok {
                return Err(format!("{} is not a mail address", values::quote(s)));
            }
            Observable::Email(s.to_owned())
        }
    })
}

fn nonempty(s: &str, what: &str) -> Result<String, String> {
    if s.is_empty() {
        Err(format!("an empty {what}"))
    } else {
        Ok(s.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_pattern::Pattern;

    fn run(p: &str) -> Extraction {
        extract(Pattern::parse(p).unwrap().root())
    }

    fn values(p: &str) -> Vec<String> {
        run(p)
            .values
            .iter()
            .map(|o| format!("{} {}", o.kind_name(), o.value()))
            .collect()
    }

    fn reasons(p: &str) -> Vec<String> {
        run(p).problems.into_iter().map(|p| p.reason).collect()
    }

    #[test]
    fn equality_in_and_or_give_values() {
        assert_eq!(
            values("[ipv4-addr:value = '198.51.100.1']"),
            ["ipv4 198.51.100.1"]
        );
        assert_eq!(
            values("[domain-name:value IN ('A.example', 'b.example')] OR [url:value = 'http://c.example/x']"),
            ["domain a.example", "domain b.example", "url http://c.example/x"]
        );
        assert_eq!(
            values("[file:hashes.'SHA-256' = 'AB' OR file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"),
            ["md5 d41d8cd98f00b204e9800998ecf8427e"]
        );
        assert_eq!(
            values("[ipv4-addr:value ISSUBSET '10.1.2.3/8']"),
            ["ipv4-cidr 10.0.0.0/8"]
        );
        assert_eq!(
            values("[network-traffic:dst_ref.value = '2001:db8::1']"),
            ["ipv6 2001:db8::1"]
        );
        assert_eq!(
            values(
                "[x509-certificate:hashes.'SHA-1' = '0123456789abcdef0123456789abcdef01234567']"
            ),
            ["x509-sha1 0123456789abcdef0123456789abcdef01234567"]
        );
    }

    #[test]
    fn everything_else_is_a_problem_with_a_reason() {
        assert_eq!(
            reasons("[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'x.example']"),
            ["AND across observations"]
        );
        assert_eq!(
            reasons("[ipv4-addr:value = '1.2.3.4'] REPEATS 2 TIMES"),
            ["a REPEATS qualifier"]
        );
        assert_eq!(
            reasons("[ipv4-addr:value = '1.2.3.4' AND network-traffic:dst_port = 443]"),
            ["AND within one observation"]
        );
        assert_eq!(
            reasons("[ipv4-addr:value != '1.2.3.4']"),
            ["!= on ipv4-addr:value"]
        );
        assert_eq!(
            reasons("[domain-name:value LIKE '%.example']"),
            ["LIKE on domain-name:value"]
        );
        assert_eq!(
            reasons("[domain-name:value NOT = 'x.example']"),
            ["NOT = on domain-name:value"]
        );
        assert_eq!(
            reasons("[process:name = 'evil.exe']"),
            ["process:name is not a value sensors match"]
        );
        assert_eq!(
            reasons("[ipv4-addr:value = '2001:db8::1']"),
            ["\"2001:db8::1\" does not fit ipv4-addr:value"]
        );
        assert_eq!(
            reasons("[file:hashes.SSDEEP = '3:a:b']"),
            ["file:hashes.SSDEEP is not a hex digest sensors match"]
        );
        assert_eq!(
            reasons("[domain-name:value ISSUBSET '10.0.0.0/8']"),
            ["ISSUBSET on domain-name:value"]
        );
    }

    #[test]
    fn a_partly_expressible_or_gives_both() {
        let e = run("[ipv4-addr:value = '1.2.3.4'] OR [ipv4-addr:value MATCHES '^10\\\\.']");
        assert_eq!(e.values.len(), 1);
        assert_eq!(e.problems.len(), 1);
        assert_eq!(e.problems[0].kinds, [Kind::Ip]);
        assert_eq!(e.problems[0].types, ["ipv4-addr"]);
    }

    #[test]
    fn paths_print_in_pattern_syntax() {
        let p = Pattern::parse("[file:hashes.'SHA-256' = 'a' AND x-c:a[0].b[*] = 'b']").unwrap();
        let texts: Vec<String> = p
            .root()
            .comparisons()
            .iter()
            .map(|c| path_text(&c.path))
            .collect();
        assert_eq!(texts, ["file:hashes.'SHA-256'", "x-c:a[0].b[*]"]);
    }
}
