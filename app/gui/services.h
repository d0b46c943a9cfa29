// SPDX-License-Identifier: MIT
#pragma once

#include "kafka/kafkaconfig.h"
#include "publish/publishrun.h"
#include "redis/redisurl.h"

#include <QDeadlineTimer>
#include <QObject>
#include <QPointer>
#include <QStringList>

class QThread;

namespace dualscope::check {
class CheckSession;
class RecentEventsLoader;
} // namespace dualscope::check
namespace dualscope::gap {
struct Gap;
}
namespace dualscope::publish {
class DualPublisher;
class NotificationReplay;
class PublishRun;
} // namespace dualscope::publish
namespace dualscope::kafka {
class BrowserWorker;
}
namespace dualscope::redis {
class RedisMonitor;
} // namespace dualscope::redis
namespace dualscope::sandbox {
class LinkProxy;
class Sandbox;
} // namespace dualscope::sandbox
namespace dualscope::ui {
class MainWindow;
struct FireRequest;
} // namespace dualscope::ui

namespace dualscope::app {

class LiveCatchUp;

// What the window connects to: the sandbox, or a Kafka cluster and a Redis server.
struct ConnectionSettings
{
    QString name = QStringLiteral("sandbox");
    bool sandbox = true;
    QByteArray kafkaBootstrap;
    kafka::Properties kafkaProperties;
    QByteArray topic = "events";
    QString redisUrl;
    // rediss:// only: PEM files beside the URL.
    QString redisTlsCaFile;
    QString redisTlsCertFile;
    QString redisTlsKeyFile;
    QList<QByteArray> patterns{QByteArrayLiteral("events:*")};
};

// The one place that creates the core services, moves each to a thread of its own
// and wires them to the window's panels (STYLE.md: app/ holds the wiring, ui/ the
// widgets, core/ the work). GUI thread only.
class Services final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Services)

public:
    explicit Services(ui::MainWindow *window, QObject *parent = nullptr);
    // What shutdown() does, on the calling thread when shutdown() was not called
    // (or waits for the one under way, within its deadline).
    ~Services() override;

    // Stops every service in a fixed order under one deadline (kShutdownDeadlineMs):
    // publishing, replaying, checking, watching, browsing, loading, then the sandbox.
    // Off the GUI thread, so the window stays responsive and results queued to it
    // still land; stopped() follows. From now on the services feed the window
    // nothing more. Idempotent.
    void shutdown();
    bool isStopped() const { return m_stopped; }

    // The whole shutdown's time: the publisher gets up to 5 s of it to deliver what
    // it holds, the sandbox always gets the last seconds to end its redis-server.
    static constexpr int kShutdownDeadlineMs = 12'000;

    // Starts the sandbox (on its own long-lived thread) when asked, then the
    // watchers. Asynchronous: ready() or failed() follows.
    void start(const ConnectionSettings &settings);

    // Sandbox faults (no-ops without a sandbox).
    void setRedisDown(bool down);
    void setBrokerDown(int brokerId, bool down);
    void pushRequestErrors(const QString &api, const QString &error, int count);
    void setRoundTripTime(int milliseconds);
    // Cuts only the publisher's Redis link for `seconds`; the checker keeps watching,
    // so what the publisher could not send is really missing.
    void cutPublisherRedisLink(int seconds);

    const ConnectionSettings &settings() const { return m_settings; }

signals:
    void ready();
    void failed(const QString &error);
    // A Fire run ended (all its events have their outcome).
    void fireFinished(const dualscope::publish::RunSummary &summary);
    // shutdown() ended. `overran` names the services that did not stop within the
    // deadline (empty: a clean stop); their threads are left to the process's exit.
    void stopped(const QStringList &overran);

private:
    void startWatchers();
    void fire(const ui::FireRequest &request);
    void stopFire();
    void finishFire();
    void replayMissing(const QList<gap::Gap> &missing);
    // The browser on the record at this place of the settings' topic.
    void showRecordInBrowser(qint32 partition, qint64 offset);
    void showRecordAndRaise(qint32 partition, qint64 offset);
    void wireFaults();
    // The Kafka light from what is known: the checker's tail runs (up), the
    // browser cannot read some partitions (degraded), the check failed (down).
    void showKafkaHealth();
    QString redisServerVersion() const;
    // The ordered stop, blocking the calling thread (never the thread of a service):
    // each step waits at most until `deadline`. Returns the steps that overran.
    struct Stoppables;
    static QStringList stopInOrder(const Stoppables &services, const QDeadlineTimer &deadline);
    Stoppables stoppables() const;
    void abandonOverranThreads();
    // Cuts every connection from a service to the window and to this object.
    void detachFromWindow();
    // The settings' Redis URL parsed, with its TLS files; nullopt and *error if not.
    std::optional<redis::RedisUrl> redisTarget(QString *error) const;

    ui::MainWindow *m_window;
    ConnectionSettings m_settings;
    QThread *m_sandboxThread = nullptr;
    sandbox::Sandbox *m_sandbox = nullptr;
    // In the sandbox the publisher reaches Redis through it (child of m_sandbox, on its
    // thread), so that its link alone can be cut; 0: directly.
    sandbox::LinkProxy *m_publisherLink = nullptr;
    quint16 m_publisherLinkPort = 0;
    QThread *m_monitorThread = nullptr;
    redis::RedisMonitor *m_monitor = nullptr;
    QThread *m_checkThread = nullptr;
    check::CheckSession *m_check = nullptr;
    QThread *m_browserThread = nullptr;
    kafka::BrowserWorker *m_browser = nullptr;
    QThread *m_recentThread = nullptr;
    check::RecentEventsLoader *m_recent = nullptr;
    LiveCatchUp *m_catchUp = nullptr;
    QThread *m_publisherThread = nullptr;
    QPointer<publish::DualPublisher> m_publisher;
    QPointer<publish::PublishRun> m_run;
    QThread *m_replayThread = nullptr;
    QPointer<publish::NotificationReplay> m_replay;
    QThread *m_shutdownThread = nullptr;
    bool m_shuttingDown = false;
    bool m_stopped = false;
    // Written by the ordered stop, read after it (the shutdown thread joined).
    QStringList m_overran;
    // The checker's tail has reported progress since it last failed.
    bool m_kafkaTailing = false;
    qint64 m_lastKafkaRecords = 0;
    qint64 m_lastRedisNotifications = 0;
    qint64 m_lastRateSampleMs = 0;
};

} // namespace dualscope::app
