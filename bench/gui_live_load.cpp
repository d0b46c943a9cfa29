// SPDX-License-Identifier: MIT
// dualscope-bench-gui-live: the live panel under a Pub/Sub flood. A redis-server
// child, a RedisMonitor on its own thread subscribed to events:*, its batches queued
// to a shown (offscreen) LivePanel, and a publisher thread sending ~90-byte
// notifications on 50 channels at a paced rate. A 10 ms timer on the GUI thread
// measures its own lateness: that is what a user feels as a frozen window.
//
//   dualscope-bench-gui-live [rate=50000] [seconds=20] [history=100000]
#include "live/livemessagemodel.h"
#include "live/livepanel.h"
#include "redis/rediscommand.h"
#include "redis/redisconnection.h"
#include "redis/redismonitor.h"
#include "sandbox/redisserverprocess.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QThread>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <sys/resource.h>
#include <vector>

using namespace dualscope;

namespace {

// 50 channels, as a service with a few dozen event sources would have.
constexpr int kChannels = 50;
// The lateness probe's period: finer than the 33 ms view updates, so one slow
// update shows as a late tick.
constexpr int kProbeIntervalMs = 10;
// The publisher wakes every 5 ms and sends what the token bucket allows, at most
// this many at once, and never with more than kMaxInFlight replies owed: bounded
// memory even if Redis falls behind.
constexpr int kPublishTickMs = 5;
constexpr int kMaxBurst = 5'000;
constexpr qsizetype kMaxInFlight = 50'000;

} // namespace

namespace dualscope::bench {

class Publisher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Publisher)

public:
    Publisher(redis::RedisConnection::Options options, double rate, qint64 durationMs)
        : m_options(std::move(options)), m_rate(rate), m_durationMs(durationMs)
    {
    }

    void start()
    {
        m_connection = new redis::RedisConnection(m_options, this);
        m_timer = new QTimer(this);
        m_timer->setTimerType(Qt::PreciseTimer);
        m_timer->setInterval(kPublishTickMs);
        connect(m_timer, &QTimer::timeout, this, &Publisher::tick);
        connect(m_connection, &redis::RedisConnection::ready, this, [this] {
            if (!m_clock.isValid()) {
                m_clock.start();
                m_timer->start();
            }
        });
        m_connection->start();
    }

    qint64 sent() const { return m_sent.loadRelaxed(); }

signals:
    void finished();

private:
    void tick()
    {
        const qint64 elapsed = m_clock.elapsed();
        if (elapsed >= m_durationMs) {
            m_timer->stop();
            m_connection->stop();
            emit finished();
            return;
        }
        const qint64 due = qint64(m_rate * double(elapsed) / 1000.0) - m_sent.loadRelaxed();
        qint64 count = std::min<qint64>(due, kMaxBurst);
        count = std::min<qint64>(count, kMaxInFlight - m_connection->pendingCount());
        if (count <= 0)
            return;
        QByteArray pipeline;
        pipeline.reserve(count * 160);
        qint64 n = m_sent.loadRelaxed();
        for (qint64 i = 0; i < count; ++i, ++n) {
            const QByteArray source = "user-" + QByteArray::number(n % kChannels);
            const QByteArray channel = "events:user:" + source;
            // No raw string literals in this file: moc 6.4 misreads them.
            const QByteArray payload = "{\"id\":\"0190b6c4-7a8e-7cc2-9c41-" +
                                       QByteArray::number(n).rightJustified(12, '0') +
                                       "\",\"type\":\"PushEvent\",\"source_id\":\"" + source +
                                       "\"}";
            redis::appendCommand(pipeline, {QByteArrayView("PUBLISH"), QByteArrayView(channel),
                                            QByteArrayView(payload)});
        }
        if (m_connection->sendRaw(std::move(pipeline), int(count)))
            m_sent.storeRelaxed(n);
    }

    redis::RedisConnection::Options m_options;
    double m_rate;
    qint64 m_durationMs;
    redis::RedisConnection *m_connection = nullptr;
    QTimer *m_timer = nullptr;
    QElapsedTimer m_clock;
    QAtomicInteger<qint64> m_sent = 0;
};

} // namespace dualscope::bench

namespace {

double percentileMs(std::vector<qint64> micros, double p)
{
    if (micros.empty())
        return 0;
    std::sort(micros.begin(), micros.end());
    const size_t at = std::min(micros.size() - 1, size_t(p / 100.0 * double(micros.size())));
    return double(micros[at]) / 1000.0;
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const QStringList args = app.arguments();
    const double rate = args.size() > 1 ? args.at(1).toDouble() : 50'000;
    const qint64 seconds = args.size() > 2 ? args.at(2).toLongLong() : 20;
    const qsizetype history = args.size() > 3 ? args.at(3).toLongLong() : 100'000;

    sandbox::RedisServerProcess server;
    QString error;
    if (!server.start(&error)) {
        std::fprintf(stderr, "redis-server: %s\n", qPrintable(error));
        return 2;
    }
    redis::RedisConnection::Options connection;
    connection.url = *redis::RedisUrl::parse(server.url());

    ui::LivePanel panel;
    panel.setHistoryCapacity(history);
    panel.setSubscriptions({"events:*"});
    panel.resize(1400, 900);
    panel.show();

    QThread monitorThread;
    monitorThread.setObjectName(QStringLiteral("redis-monitor"));
    redis::RedisMonitor::Options monitorOptions;
    monitorOptions.connection = connection;
    auto *monitor = new redis::RedisMonitor(monitorOptions);
    monitor->moveToThread(&monitorThread);
    QObject::connect(&monitorThread, &QThread::finished, monitor, &QObject::deleteLater);
    QObject::connect(monitor, &redis::RedisMonitor::messages, &panel,
                     &ui::LivePanel::appendMessages, Qt::QueuedConnection);
    bool subscribed = false;
    QObject::connect(monitor, &redis::RedisMonitor::subscribed, &app,
                     [&subscribed] { subscribed = true; });
    monitorThread.start();
    QMetaObject::invokeMethod(monitor, [monitor] {
        monitor->subscribe("events:*", true);
        monitor->start();
    });

    QThread publisherThread;
    publisherThread.setObjectName(QStringLiteral("publisher"));
    auto *publisher = new bench::Publisher(connection, rate, seconds * 1000);
    publisher->moveToThread(&publisherThread);
    QObject::connect(&publisherThread, &QThread::finished, publisher, &QObject::deleteLater);

    // The probe: how late does a 10 ms timer fire on the GUI thread?
    std::vector<qint64> latenessUs;
    latenessUs.reserve(size_t(seconds * 1000 / kProbeIntervalMs + 1000));
    QElapsedTimer probeClock;
    qint64 lastTickNs = 0;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(kProbeIntervalMs);
    QObject::connect(&probe, &QTimer::timeout, &app, [&] {
        const qint64 now = probeClock.nsecsElapsed();
        if (lastTickNs)
            latenessUs.push_back(
                std::max<qint64>(0, (now - lastTickNs) / 1000 - kProbeIntervalMs * 1000));
        lastTickNs = now;
    });

    qint64 published = 0;
    QObject::connect(publisher, &bench::Publisher::finished, &app, [&] {
        published = publisher->sent();
        probe.stop();
        // Let the last batches reach the view.
        QTimer::singleShot(1000, &app, &QCoreApplication::quit);
    });
    // Start publishing once the subscription is confirmed, so nothing is missed.
    QTimer waitSubscribed;
    waitSubscribed.setInterval(20);
    QObject::connect(&waitSubscribed, &QTimer::timeout, &app, [&] {
        if (!subscribed)
            return;
        waitSubscribed.stop();
        publisherThread.start();
        QMetaObject::invokeMethod(publisher, [publisher] { publisher->start(); });
        probeClock.start();
        probe.start();
    });
    waitSubscribed.start();
    QTimer::singleShot((seconds + 30) * 1000, &app, [] {
        std::fprintf(stderr, "timed out\n");
        QCoreApplication::exit(3);
    });

    const int rc = app.exec();

    qint64 received = 0;
    QMetaObject::invokeMethod(
        monitor,
        [&] {
            received = monitor->receivedMessages();
            monitor->stop();
        },
        Qt::BlockingQueuedConnection);
    monitorThread.quit();
    monitorThread.wait();
    publisherThread.quit();
    publisherThread.wait();

    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("rate %.0f msg/s for %lld s, history %lld rows\n", rate, qlonglong(seconds),
                qlonglong(history));
    std::printf("published          %lld\n", qlonglong(published));
    std::printf("received (monitor) %lld\n", qlonglong(received));
    std::printf("messages shown     %lld\n", qlonglong(panel.shownCount()));
    std::printf("rows held          %d\n", panel.messageModel()->rowCount());
    std::printf("rows let go        %lld\n", qlonglong(panel.droppedCount()));
    std::printf("GUI lateness (10 ms timer, %zu ticks): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                latenessUs.size(), percentileMs(latenessUs, 50), percentileMs(latenessUs, 99),
                percentileMs(latenessUs, 100));
    std::printf("peak RSS           %.1f MB\n", double(usage.ru_maxrss) / 1024.0);
    const bool ok = percentileMs(latenessUs, 99) < 50 && usage.ru_maxrss / 1024 < 300;
    std::printf("targets (p99 < 50 ms, RSS < 300 MB): %s\n", ok ? "met" : "MISSED");
    return rc != 0 ? rc : (ok ? 0 : 1);
}

#include "gui_live_load.moc"
