//! PostgreSQL LISTEN/NOTIFY, so a change one `guardia` process commits reaches the others.

use std::time::Duration;

use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use tokio::sync::mpsc;

use super::{DatabaseUrl, DbConn, DbError, DbPool};

/// Sends `payload` on `channel` to every listening process (this one included). A no-op on
/// SQLite, which has one process.
pub async fn notify(pool: &DbPool, channel: &str, payload: &str) -> Result<(), DbError> {
    if let DbConn::Postgres(c) = &mut pool.get().await? {
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<Text, _>(channel)
            .bind::<Text, _>(payload)
            .execute(&mut **c)
            .await?;
    }
    Ok(())
}

/// What a listener hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    Payload(String),
    /// The listening connection was (re)established: notifications sent while it was down
    /// are lost, so the receiver should look at the database again.
    Connected,
}

/// On PostgreSQL, hands every message heard on `channel` to `on_message`, in order, on a task
/// of its own (returned, for its owner to stop). `None` on SQLite, which has one process.
pub fn spawn_listener<F, Fut>(
    url: &DatabaseUrl,
    channel: &'static str,
    mut on_message: F,
) -> Option<tokio::task::JoinHandle<()>>
where
    F: FnMut(Heard) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let DatabaseUrl::Postgres(raw) = url else {
        return None;
    };
    let mut heard = listen(raw.clone(), channel);
    Some(tokio::spawn(async move {
        while let Some(message) = heard.recv().await {
            on_message(message).await;
        }
    }))
}

/// Listens on `channel` over a dedicated connection (not pooled: it stays open), reconnecting
/// with a back-off when it drops. Stops when the receiver is dropped.
pub fn listen(url: String, channel: &'static str) -> mpsc::Receiver<Heard> {
    let (sender, receiver) = mpsc::channel(1024);
    tokio::spawn(async move {
        let mut delay = Duration::from_millis(500);
        while !sender.is_closed() {
            match listen_once(&url, channel, &sender).await {
                Ok(()) => return,
                Err(e) => tracing::warn!(error = %e, "LISTEN {channel} connection lost; reconnecting"),
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(10));
        }
    });
    receiver
}

/// One connection's life; `Ok` when the receiver went away.
async fn listen_once(url: &str, channel: &str, sender: &mpsc::Sender<Heard>) -> Result<(), String> {
    let (client, mut messages) = super::pool::connect_listener(url).await?;
    client
        .batch_execute(&format!("LISTEN {channel}"))
        .await
        .map_err(|e| e.to_string())?;
    if sender.send(Heard::Connected).await.is_err() {
        return Ok(());
    }
    while let Some(message) = messages.recv().await {
        match message {
            Ok(tokio_postgres::AsyncMessage::Notification(n)) if n.channel() == channel => {
                if sender.send(Heard::Payload(n.payload().to_owned())).await.is_err() {
                    return Ok(());
                }
            }
            Ok(_) => {}
            Err(e) => return Err(e),
        }
    }
    Err("the connection closed".into())
}
