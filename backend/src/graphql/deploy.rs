//! Deploys through Jenkins: projects, build history, the deployment ledger with deploy and
//! rollback, the console tail, and `deploymentUpdated` (docs/jenkins.md).

mod lookup;
mod mutation;
mod query;
mod subscription;
mod types;

pub use mutation::DeployMutation;
pub use query::DeployQuery;
pub use subscription::DeploySubscription;
