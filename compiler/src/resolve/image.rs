//! OCI image references: `[registry/]repository[:tag][@digest]`.

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImageRef {
    pub(crate) registry: Option<String>,
    pub(crate) repository: String,
    pub(crate) tag: Option<String>,
    pub(crate) digest: Option<String>,
}

impl ImageRef {
    /// The full reference, with `registry` in front when the image names none.
    pub(crate) fn full(&self, default_registry: Option<&str>) -> String {
        let mut text = String::new();
        if let Some(registry) = self.registry.as_deref().or(default_registry) {
            text.push_str(registry.trim_end_matches('/'));
            text.push('/');
        }
        text.push_str(&self.repository);
        if let Some(tag) = &self.tag {
            text.push(':');
            text.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            text.push('@');
            text.push_str(digest);
        }
        text
    }
}

/// Parses a reference; the error completes "invalid image reference: …".
pub(crate) fn parse(text: &str) -> Result<ImageRef, String> {
    if text.is_empty() {
        return Err("it is empty".to_owned());
    }
    if text.len() > 255 + 128 + 80 {
        return Err("it is too long".to_owned());
    }
    let (rest, digest) = match text.split_once('@') {
        Some((rest, digest)) => {
            check_digest(digest)?;
            (rest, Some(digest.to_owned()))
        }
        None => (text, None),
    };
    let last_slash = rest.rfind('/').map_or(0, |slash| slash + 1);
    let (rest, tag) = match rest[last_slash..].rfind(':') {
        Some(colon) => {
            let tag = &rest[last_slash + colon + 1..];
            check_tag(tag)?;
            (&rest[..last_slash + colon], Some(tag.to_owned()))
        }
        None => (rest, None),
    };
    let mut components: Vec<&str> = rest.split('/').collect();
    let registry = match components.first() {
        Some(first)
            if components.len() > 1 && (first.contains('.') || first.contains(':') || *first == "localhost") =>
        {
            check_registry(first)?;
            Some(components.remove(0).to_owned())
        }
        _ => None,
    };
    for component in &components {
        check_path_component(component)?;
    }
    Ok(ImageRef { registry, repository: components.join("/"), tag, digest })
}

fn check_digest(digest: &str) -> Result<(), String> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err(format!("digest `{digest}` must look like `sha256:<64 hex digits>`"));
    };
    let valid = !algorithm.is_empty()
        && algorithm.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit())
        && hex.len() >= 32
        && hex.bytes().all(|byte| byte.is_ascii_hexdigit() && !byte.is_ascii_uppercase());
    if valid { Ok(()) } else { Err(format!("digest `{digest}` must look like `sha256:<64 hex digits>`")) }
}

fn check_tag(tag: &str) -> Result<(), String> {
    let valid = !tag.is_empty()
        && tag.len() <= 128
        && tag.starts_with(|first: char| first.is_ascii_alphanumeric() || first == '_')
        && tag.bytes().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-'));
    if valid {
        Ok(())
    } else {
        Err(format!("tag `{tag}` may only hold letters, digits, `_`, `.` and `-`, at most 128"))
    }
}

fn check_registry(registry: &str) -> Result<(), String> {
    let (host, port) = registry.split_once(':').unwrap_or((registry, ""));
    let host_valid = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    let port_valid = port.is_empty() || port.parse::<u16>().is_ok();
    if host_valid && port_valid { Ok(()) } else { Err(format!("registry `{registry}` is not a host name")) }
}

fn check_path_component(component: &str) -> Result<(), String> {
    let bytes = component.as_bytes();
    let mut valid = !bytes.is_empty()
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || matches!(byte, b'.' | b'_' | b'-'));
    valid &= !component.contains("..") && !component.contains("___");
    if valid {
        Ok(())
    } else {
        Err(format!("`{component}` must be lowercase letters and digits, joined by `.`, `_` or `-`"))
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_references() {
        let image = parse("ghcr.io/acme/payment-service:1.4.2").unwrap();
        assert_eq!(image.registry.as_deref(), Some("ghcr.io"));
        assert_eq!(image.repository, "acme/payment-service");
        assert_eq!(image.tag.as_deref(), Some("1.4.2"));
        let image = parse("localhost:5000/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
            .unwrap();
        assert_eq!(image.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(image.tag, None);
        assert!(image.digest.is_some());
        let image = parse("payment-service").unwrap();
        assert_eq!(image.registry, None);
        assert_eq!(image.full(Some("ghcr.io/acme")), "ghcr.io/acme/payment-service");
    }

    #[test]
    fn refuses_invalid_references() {
        assert!(parse("Ghcr.io/Acme/App:1").is_err());
        assert!(parse("acme/app:").is_err());
        assert!(parse("acme/app:bad tag").is_err());
        assert!(parse("acme/app@sha256:xyz").is_err());
        assert!(parse("").is_err());
    }
}
