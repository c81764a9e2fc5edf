//! Kubernetes resource quantities for the resources platc sizes: CPU in
//! cores or millicores, memory and storage in bytes with SI or binary suffixes.
//! Values are kept in thousandths of the unit, so they compare exactly.

/// Which resource a quantity measures; decides the suffixes that make sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resource {
    Cpu,
    Bytes,
}

impl Resource {
    pub(crate) fn of(name: &str) -> Resource {
        if name == "cpu" { Resource::Cpu } else { Resource::Bytes }
    }
}

/// A parsed quantity: `millis` thousandths of a core or of a byte.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Quantity {
    pub(crate) millis: u128,
}

/// Parses a quantity; the error says why in words that fit "invalid quantity: …".
pub(crate) fn parse(text: &str, resource: Resource) -> Result<Quantity, String> {
    let split = text.find(|character: char| !(character.is_ascii_digit() || character == '.')).unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') || number.matches('.').count() > 1 {
        return Err(format!("`{text}` does not start with a number"));
    }
    let multiplier: u128 = match (resource, suffix) {
        (_, "") => 1000,
        (Resource::Cpu, "m") => 1,
        (Resource::Cpu, _) => {
            return Err(format!("CPU is counted in cores (`0.5`, `2`) or millicores (`500m`), not `{suffix}`"));
        }
        (Resource::Bytes, "m") => {
            return Err("`m` means thousandths of a byte: write `Mi` for mebibytes".to_owned());
        }
        (Resource::Bytes, suffix) => {
            let power = |base: u128, exponent: u32| base.pow(exponent) * 1000;
            match suffix {
                "k" => power(1000, 1),
                "M" => power(1000, 2),
                "G" => power(1000, 3),
                "T" => power(1000, 4),
                "P" => power(1000, 5),
                "Ki" => power(1024, 1),
                "Mi" => power(1024, 2),
                "Gi" => power(1024, 3),
                "Ti" => power(1024, 4),
                "Pi" => power(1024, 5),
                _ => return Err(format!("unknown suffix `{suffix}`: use `Ki`, `Mi`, `Gi` or `Ti`")),
            }
        }
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let whole: u128 = whole.parse().map_err(|_| format!("`{text}` is too large"))?;
    let too_large = || format!("`{text}` is too large");
    let mut millis = whole.checked_mul(multiplier).ok_or_else(too_large)?;
    if millis > 10u128.pow(24) {
        return Err(too_large());
    }
    let mut scale = multiplier;
    for digit in fraction.chars() {
        scale /= 10;
        if scale == 0 {
            return Err(format!("`{text}` is more precise than Kubernetes keeps"));
        }
        millis += u128::from(digit.to_digit(10).unwrap_or(0)) * scale;
    }
    // A zettabyte, or a million million cores: far beyond any real request,
    // and small enough that scaling by any limit ratio cannot overflow.
    if millis > 10u128.pow(24) {
        return Err(format!("`{text}` is too large"));
    }
    if millis == 0 {
        return Err("it is zero".to_owned());
    }
    Ok(Quantity { millis })
}

/// The canonical text of a quantity: `1`, `500m`, `512Mi`.
pub(crate) fn format(quantity: &Quantity, resource: Resource) -> String {
    match resource {
        Resource::Cpu if quantity.millis.is_multiple_of(1000) => (quantity.millis / 1000).to_string(),
        Resource::Cpu => format!("{}m", quantity.millis),
        Resource::Bytes => {
            let bytes = quantity.millis / 1000;
            for (suffix, size) in [("Ti", 1u128 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] {
                if bytes >= size && bytes.is_multiple_of(size) {
                    return format!("{}{suffix}", bytes / size);
                }
            }
            bytes.to_string()
        }
    }
}

/// The quantity times a ratio given in thousandths (`1500` for 1.5).
pub(crate) fn scale(quantity: &Quantity, ratio_millis: u128, resource: Resource) -> Quantity {
    let millis = quantity.millis.saturating_mul(ratio_millis) / 1000;
    match resource {
        Resource::Cpu => Quantity { millis },
        // Whole bytes only.
        Resource::Bytes => Quantity { millis: millis / 1000 * 1000 },
    }
}

#[cfg(test)]
mod tests {
    use super::{Resource, format, parse, scale};

    #[test]
    fn parses_cpu_and_memory() {
        assert_eq!(parse("250m", Resource::Cpu).map(|q| q.millis), Ok(250));
        assert_eq!(parse("1.5", Resource::Cpu).map(|q| q.millis), Ok(1500));
        assert_eq!(parse("256Mi", Resource::Bytes).map(|q| q.millis), Ok(256 * 1024 * 1024 * 1000));
        assert_eq!(parse("1G", Resource::Bytes).map(|q| q.millis), Ok(1_000_000_000_000));
        assert!(parse("250mm", Resource::Cpu).is_err());
        assert!(parse("1.5Gi", Resource::Cpu).is_err());
        assert!(parse("256m", Resource::Bytes).is_err());
        assert!(parse("abc", Resource::Bytes).is_err());
        assert!(parse("0", Resource::Cpu).is_err());
        assert!(parse("1..5", Resource::Cpu).is_err());
        assert!(parse("340282366920938463463374607431768211.9", Resource::Cpu).is_err());
        assert!(parse("100000000000000000000000000000000000", Resource::Cpu).is_err());
    }

    #[test]
    fn formats_canonically() {
        let cpu = parse("250m", Resource::Cpu).unwrap();
        assert_eq!(format(&scale(&cpu, 4000, Resource::Cpu), Resource::Cpu), "1");
        assert_eq!(format(&scale(&cpu, 2000, Resource::Cpu), Resource::Cpu), "500m");
        let memory = parse("256Mi", Resource::Bytes).unwrap();
        assert_eq!(format(&scale(&memory, 2000, Resource::Bytes), Resource::Bytes), "512Mi");
        assert_eq!(format(&scale(&memory, 4000, Resource::Bytes), Resource::Bytes), "1Gi");
    }
}
