//! `kind: ServiceAccount`: the service's own identity, token not mounted
//! unless the service asks.

use super::value::Value;

use super::metadata;
use crate::model;

pub(super) fn service_account(service: &model::Service) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata(service, &service.name),
        "automountServiceAccountToken": service.service_account.automount,
    })
}
