//! The resolved requests and limits of a container.

use super::quantity::Quantity;

#[derive(Debug, Clone, Default)]
pub struct Resources {
    pub requests: Amounts,
    pub limits: Amounts,
}

#[derive(Debug, Clone, Default)]
pub struct Amounts {
    pub cpu: Option<Quantity>,
    pub memory: Option<Quantity>,
}
