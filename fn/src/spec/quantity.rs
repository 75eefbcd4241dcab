//! Kubernetes resource quantities (`10Gi`, `500m`, `1e3`), checked with the API
//! server's grammar so that a typo is caught at render time, not at apply time.

/// A validated quantity; keeps the user's spelling.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    text: String,
    value: f64,
}

const BINARY: [(&str, f64); 6] = [
    ("Ki", 1024.0),
    ("Mi", 1_048_576.0),
    ("Gi", 1_073_741_824.0),
    ("Ti", 1_099_511_627_776.0),
    ("Pi", 1_125_899_906_842_624.0),
    ("Ei", 1_152_921_504_606_846_976.0),
];
const DECIMAL: [(&str, f64); 8] = [
    ("n", 1e-9),
    ("u", 1e-6),
    ("m", 1e-3),
    ("", 1.0),
    ("k", 1e3),
    ("M", 1e6),
    ("G", 1e9),
    ("T", 1e12),
];
const DECIMAL_BIG: [(&str, f64); 2] = [("P", 1e15), ("E", 1e18)];

impl Quantity {
    pub fn parse(text: &str) -> Result<Self, String> {
        match value_of(text) {
            Some(value) => Ok(Self {
                text: text.to_owned(),
                value,
            }),
            None => {
                let mut msg = format!(
                    "invalid quantity {text:?}: write a number with a Kubernetes suffix \
                     (Ki, Mi, Gi, Ti for sizes; m for millicores), e.g. \"10Gi\" or \"500m\""
                );
                if let Some(fix) = suggest(text) {
                    msg.push_str(&format!("; did you mean {fix:?}?"));
                }
                Err(msg)
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The amount in base units (bytes, cores).
    pub fn value(&self) -> f64 {
        self.value
    }
}

fn value_of(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut end = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        end = 1;
    }
    let digits_start = end;
    let mut dots = 0;
    while let Some(c) = bytes.get(end) {
        match c {
            b'0'..=b'9' => end += 1,
            b'.' => {
                dots += 1;
                end += 1;
            }
            _ => break,
        }
    }
    let number = text.get(..end)?;
    if end == digits_start || dots > 1 || number.ends_with('.') && end - digits_start == 1 {
        return None;
    }
    let number: f64 = number.parse().ok()?;
    let suffix = text.get(end..)?;
    let factor = if let Some(exp) = suffix.strip_prefix(['e', 'E']) {
        let exp_digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        if exp_digits.is_empty() || !exp_digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        10f64.powi(exp.parse::<i32>().ok()?)
    } else {
        BINARY
            .iter()
            .chain(DECIMAL.iter())
            .chain(DECIMAL_BIG.iter())
            .find(|(s, _)| *s == suffix)
            .map(|(_, f)| *f)?
    };
    let value = number * factor;
    value.is_finite().then_some(value)
}

/// `10GB` -> `10Gi`, `10gi` -> `10Gi`, `10 Gi` -> `10Gi`, `512MiB` -> `512Mi`.
fn suggest(text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let split = compact
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(compact.len());
    let (number, unit) = compact.split_at(split);
    if number.is_empty() {
        return None;
    }
    let unit = unit.to_ascii_lowercase();
    let unit = unit
        .strip_suffix("ib")
        .or_else(|| unit.strip_suffix('b'))
        .unwrap_or(&unit);
    let unit = unit.strip_suffix('i').unwrap_or(unit);
    let fixed = match unit {
        "k" => "Ki",
        "m" => "Mi",
        "g" => "Gi",
        "t" => "Ti",
        "p" => "Pi",
        "e" => "Ei",
        _ => return None,
    };
    let fixed = format!("{number}{fixed}");
    (value_of(&fixed).is_some() && fixed != text).then_some(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_api_server_spellings() {
        for (text, value) in [
            ("10Gi", 10.0 * 1_073_741_824.0),
            ("10G", 1e10),
            ("500m", 0.5),
            ("1", 1.0),
            ("1.5", 1.5),
            ("1e3", 1000.0),
            ("128Mi", 134_217_728.0),
            ("0", 0.0),
            ("+1k", 1000.0),
        ] {
            assert_eq!(
                Quantity::parse(text).map(|q| q.value()),
                Ok(value),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_and_suggests() {
        for (text, fix) in [
            ("10GB", Some("10Gi")),
            ("10gi", Some("10Gi")),
            ("10 Gi", Some("10Gi")),
            ("512MiB", Some("512Mi")),
            ("ten", None),
            ("", None),
            ("1..5Gi", None),
            ("Gi", None),
            ("1e", None),
        ] {
            let err = Quantity::parse(text).unwrap_err();
            match fix {
                Some(fix) => assert!(err.contains(&format!("did you mean {fix:?}")), "{err}"),
                None => assert!(!err.contains("did you mean"), "{err}"),
            }
        }
    }
}
