// SPDX-License-Identifier: MIT
#include "services.h"

#include "browser/browserpanel.h"
#include "browser/recordpagemodel.h"
#include "check/checksession.h"
#include "check/recentevents.h"
#include "compose/eventtracewindow.h"
#include "compose/firepanel.h"
#include "gaps/gappanel.h"
#include "gaps/reportviewer.h"
#include "generate/eventtemplate.h"
#include "kafka/browserworker.h"
#include "live/livepanel.h"
#include "livecatchup.h"
#include "main/healthlight.h"
#include "main/mainwindow.h"
#include "publish/dualpublisher.h"
#include "publish/notificationreplay.h"
#include "publish/publishrun.h"
#include "redis/redismonitor.h"
#include "redis/redisurl.h"
#include "sandbox/linkproxy.h"
#include "sandbox/redisserverprocess.h"
#include "sandbox/sandbox.h"

#include <QDateTime>
#include <QProcess>
#include <QRandomGenerator>
#include <QSemaphore>
#include <QSettings>
#include <QThread>
#include <algorithm>
#include <functional>
#include <librdkafka/rdkafka.h>
#include <limits>
#include <memory>

namespace dualscope::app {

namespace {

using Subscription = std::pair<QByteArray, bool>; // name, isPattern

// Matches handed to the live view per check tick (100 ms), the newest kept: 20,000
// a second keeps the verdict column filled at realistic rates; at a flood the
// rows in between show none, and the counters still count every match.
constexpr qsizetype kLiveMatchesPerTick = 2000;

// A live view that subscribes mid-stream first shows this many of the topic's newest
// events, loaded from Kafka: a screen of context, read in one page per partition.
constexpr int kRecentEvents = 200;

// The checker's memory in the window: ~250 bytes an entry, so ~38 MB (what fired at
// full speed would otherwise keep for 3 x grace: ~75 MB for 300,000 events). A
// pending event waits only until its notification comes, so the cap falls on the ids
// remembered for duplicates first (their copies are counted unjudged, never orphans);
// only a checker far behind lets pending events go, `unobserved`. The CLI's check
// keeps the detector's own cap.
constexpr qint64 kCheckerEntries = 150'000;

// The live view's subscriptions are remembered per connection ("p:" a pattern,
// "c:" a channel); the checker's patterns are the connection's own.
QString subscriptionsKey(const QString &connection)
{
    return QStringLiteral("live/subscriptions/") +
           QString::fromLatin1(connection.toUtf8().toPercentEncoding());
}

// The messages of `batch` that these subscriptions asked for; the batch itself
// (no copy) when all of them did.
QList<redis::PubSubMessage> ofSubscriptions(const QList<redis::PubSubMessage> &batch,
                                            const QList<Subscription> &subscriptions)
{
    const auto wanted = [&subscriptions](const redis::PubSubMessage &message) {
        const bool isPattern = !message.pattern.isEmpty();
        return subscriptions.contains(
            Subscription{isPattern ? message.pattern : message.channel, isPattern});
    };
    if (std::all_of(batch.cbegin(), batch.cend(), wanted))
        return batch;
    QList<redis::PubSubMessage> kept;
    std::copy_if(batch.cbegin(), batch.cend(), std::back_inserter(kept), wanted);
    return kept;
}

std::optional<QList<Subscription>> rememberedSubscriptions(const QString &connection)
{
    const QSettings settings;
    const QString key = subscriptionsKey(connection);
    if (!settings.contains(key))
        return std::nullopt;
    QList<Subscription> subscriptions;
    for (const QString &entry : settings.value(key).toStringList()) {
        const QByteArray name = entry.mid(2).toUtf8();
        QString error;
        if (entry.startsWith(QLatin1String("p:")) && redis::validatePattern(name, &error))
            subscriptions.append({name, true});
        else if (entry.startsWith(QLatin1String("c:")) && !name.isEmpty())
            subscriptions.append({name, false});
    }
    return subscriptions;
}

void rememberSubscriptions(const QString &connection, const QList<Subscription> &subscriptions)
{
    QStringList entries;
    for (const auto &[name, isPattern] : subscriptions)
        entries << QLatin1String(isPattern ? "p:" : "c:") + QString::fromUtf8(name);
    QSettings().setValue(subscriptionsKey(connection), entries);
}

// Time given to the publisher to deliver what it holds when the user stops or
// the window closes.
constexpr int kPublisherShutdownMs = 5000;

QThread *startThread(QObject *parent, const char *name)
{
    auto *thread = new QThread(parent);
    thread->setObjectName(QLatin1String(name));
    thread->start();
    return thread;
}

} // namespace

Services::Services(ui::MainWindow *window, QObject *parent) : QObject(parent), m_window(window)
{
    connect(m_window->firePanel(), &ui::FirePanel::fireRequested, this, &Services::fire);
    connect(m_window->firePanel(), &ui::FirePanel::stopRequested, this, &Services::stopFire);
    wireFaults();
}

// Raw pointers taken on the GUI thread when the shutdown starts; from then on the
// GUI thread no longer deletes or replaces any of them.
struct Services::Stoppables
{
    publish::PublishRun *run = nullptr;
    publish::DualPublisher *publisher = nullptr;
    QThread *publisherThread = nullptr;
    publish::NotificationReplay *replay = nullptr;
    QThread *replayThread = nullptr;
    check::CheckSession *check = nullptr;
    QThread *checkThread = nullptr;
    redis::RedisMonitor *monitor = nullptr;
    QThread *monitorThread = nullptr;
    QThread *browserThread = nullptr;
    check::RecentEventsLoader *recent = nullptr;
    QThread *recentThread = nullptr;
    sandbox::Sandbox *sandbox = nullptr;
    QThread *sandboxThread = nullptr;
};

Services::~Services()
{
    if (!m_shuttingDown) {
        m_shuttingDown = true;
        detachFromWindow();
        m_overran = stopInOrder(stoppables(), QDeadlineTimer(kShutdownDeadlineMs));
    } else if (m_shutdownThread) {
        // Every step of it is bounded, so is this wait.
        m_shutdownThread->wait(QDeadlineTimer(kShutdownDeadlineMs + 2000));
        delete m_shutdownThread;
    }
    abandonOverranThreads();
}

Services::Stoppables Services::stoppables() const
{
    Stoppables services;
    services.run = m_run;
    services.publisher = m_publisher;
    services.publisherThread = m_publisherThread;
    services.replay = m_replay;
    services.replayThread = m_replayThread;
    services.check = m_check;
    services.checkThread = m_checkThread;
    services.monitor = m_monitor;
    services.monitorThread = m_monitorThread;
    services.browserThread = m_browserThread;
    services.recent = m_recent;
    services.recentThread = m_recentThread;
    services.sandbox = m_sandbox;
    services.sandboxThread = m_sandboxThread;
    return services;
}

void Services::shutdown()
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    if (m_catchUp)
        m_catchUp->stop();
    detachFromWindow();
    const Stoppables stopping = stoppables();
    m_shutdownThread = QThread::create([this, stopping] {
        m_overran = stopInOrder(stopping, QDeadlineTimer(kShutdownDeadlineMs));
        QMetaObject::invokeMethod(this, [this] {
            m_shutdownThread->wait();
            delete m_shutdownThread;
            m_shutdownThread = nullptr;
            abandonOverranThreads();
            m_stopped = true;
            emit stopped(m_overran);
        });
    });
    m_shutdownThread->setObjectName(QStringLiteral("shutdown"));
    m_shutdownThread->start();
}

void Services::detachFromWindow()
{
    // Nothing more reaches the window: what the services still say while they stop
    // (a last batch, an error of a closing connection) is not news to the user.
    const QList<QObject *> receivers{this,
                                     m_catchUp,
                                     m_window,
                                     m_window->livePanel(),
                                     m_window->gapPanel(),
                                     m_window->firePanel(),
                                     m_window->traceWindow(),
                                     m_window->browserPanel()};
    const QList<QObject *> services{m_run,     m_publisher, m_replay, m_check,
                                    m_monitor, m_browser,   m_recent};
    for (QObject *service : services) {
        if (!service)
            continue;
        for (QObject *receiver : receivers) {
            if (receiver) // a null receiver would cut every connection of the service
                QObject::disconnect(service, nullptr, receiver, nullptr);
        }
    }
    m_window->browserPanel()->setWorker(nullptr);
    if (m_publisher)
        m_window->firePanel()->setRunning(false); // the run ends with the services
}

void Services::abandonOverranThreads()
{
    // A thread that did not stop must not be destroyed while it runs (Qt aborts):
    // it is let go to the process's exit, and the log says which.
    for (const QString &step : std::as_const(m_overran))
        qWarning("shutdown: %s did not stop within %d ms; left to the process's exit",
                 qPrintable(step), kShutdownDeadlineMs);
    for (QThread *thread : findChildren<QThread *>(Qt::FindDirectChildrenOnly)) {
        if (thread->isRunning())
            thread->setParent(nullptr);
    }
}

namespace {

// Time kept back for the sandbox, the last step: its redis-server child must end
// whatever the steps before it did.
constexpr qint64 kSandboxReserveMs = 3000;

int remainingMs(const QDeadlineTimer &deadline)
{
    return int(std::clamp<qint64>(deadline.remainingTime(), 0, std::numeric_limits<int>::max()));
}

// Runs `step` on `target`'s thread and waits for it until `deadline`. False when it
// overran: it still runs to its end there, later.
bool runOn(QObject *target, std::function<void()> step, const QDeadlineTimer &deadline)
{
    auto done = std::make_shared<QSemaphore>();
    QMetaObject::invokeMethod(target, [step = std::move(step), done] {
        step();
        done->release();
    });
    return done->tryAcquire(1, remainingMs(deadline));
}

bool stopThread(QThread *thread, const QDeadlineTimer &deadline)
{
    if (!thread)
        return true;
    thread->quit();
    return thread->wait(deadline);
}

} // namespace

QStringList Services::stopInOrder(const Stoppables &services, const QDeadlineTimer &deadline)
{
    QStringList overran;
    const auto step = [&overran](bool done, const char *what) {
        if (!done)
            overran << QLatin1String(what);
    };
    const QDeadlineTimer others(std::max<qint64>(deadline.remainingTime() - kSandboxReserveMs, 0));
    // Publishing: the run stops generating, the publisher delivers what it holds.
    if (services.run)
        step(runOn(
                 services.run, [run = services.run] { run->stop(); }, others),
             "the Fire run");
    if (services.publisher) {
        auto finished = std::make_shared<QSemaphore>();
        const bool asked = runOn(
            services.publisher,
            [publisher = services.publisher, finished] {
                QObject::connect(publisher, &publish::DualPublisher::shutdownFinished, publisher,
                                 [finished] { finished->release(); });
                publisher->shutdown(kPublisherShutdownMs);
            },
            others);
        step(asked && finished->tryAcquire(1, remainingMs(others)), "the publisher");
        // Its producer goes with it (librdkafka's threads would go on reconnecting).
        step(runOn(
                 services.publisher,
                 [run = services.run, publisher = services.publisher] {
                     delete run;
                     delete publisher;
                 },
                 others),
             "the publisher's producer");
    }
    step(stopThread(services.publisherThread, others), "the publisher's thread");
    if (services.replay)
        step(runOn(
                 services.replay,
                 [replay = services.replay] {
                     replay->stop();
                     delete replay;
                 },
                 others),
             "the replay");
    step(stopThread(services.replayThread, others), "the replay's thread");
    // Checking before watching: the check session reads the shared monitor.
    if (services.check)
        step(runOn(
                 services.check, [check = services.check] { delete check; }, others),
             "the check session");
    step(stopThread(services.checkThread, others), "the check session's thread");
    if (services.monitor)
        step(runOn(
                 services.monitor, [monitor = services.monitor] { monitor->stop(); }, others),
             "the Redis monitor");
    step(stopThread(services.monitorThread, others), "the Redis monitor's thread");
    step(stopThread(services.browserThread, others), "the Kafka browser");
    if (services.recent)
        services.recent->cancel(); // a load under way gives up at its next Kafka request
    step(stopThread(services.recentThread, others), "the recent-events load");
    if (services.sandbox)
        step(runOn(
                 services.sandbox, [sandbox = services.sandbox] { delete sandbox; }, deadline),
             "the sandbox");
    step(stopThread(services.sandboxThread, deadline), "the sandbox's thread");
    return overran;
}

void Services::start(const ConnectionSettings &settings)
{
    m_settings = settings;
    m_window->setConnectionName(settings.name);
    m_window->setComponentVersions(
        {QStringLiteral("Qt %1").arg(QLatin1String(qVersion())),
         QStringLiteral("librdkafka %1").arg(QLatin1String(rd_kafka_version_str())),
         redisServerVersion()});
    if (!settings.sandbox) {
        startWatchers();
        return;
    }
    // The sandbox lives on a thread of its own for the whole session: starting
    // redis-server or taking it down blocks for up to a few seconds, which the GUI
    // thread must not, and the child is tied to the thread that forked it.
    m_sandboxThread = startThread(this, "sandbox");
    m_sandbox = new sandbox::Sandbox();
    m_sandbox->moveToThread(m_sandboxThread);
    QMetaObject::invokeMethod(m_sandbox, [this, sandbox = m_sandbox] {
        QString error;
        const bool started = sandbox->start(&error);
        const QByteArray kafka = sandbox->kafkaBootstrap();
        const QString redis = sandbox->redisUrl();
        const QString description = sandbox->description();
        const int brokers = sandbox->options().brokers;
        // The publisher's own way to Redis, so that it alone can be cut.
        sandbox::LinkProxy *link = nullptr;
        if (started) {
            const std::optional<redis::RedisUrl> direct = redis::RedisUrl::parse(redis);
            link =
                new sandbox::LinkProxy(QHostAddress::LocalHost, direct ? direct->port : 0, sandbox);
            QString linkError;
            if (!direct || !link->listen(&linkError)) {
                qWarning("sandbox: the publisher connects to Redis directly: %s",
                         qPrintable(linkError));
                delete link;
                link = nullptr;
            }
        }
        const quint16 linkPort = link ? link->port() : 0;
        QMetaObject::invokeMethod(this, [=, this] {
            if (!started) {
                emit failed(error);
                return;
            }
            m_publisherLink = link;
            m_publisherLinkPort = linkPort;
            m_settings.kafkaBootstrap = kafka;
            m_settings.redisUrl = redis;
            m_window->enableSandbox(description, brokers);
            startWatchers();
        });
    });
}

void Services::startWatchers()
{
    QString error;
    const std::optional<redis::RedisUrl> url = redisTarget(&error);
    if (!url) {
        emit failed(error);
        return;
    }

    // One subscription per pattern (the contract): this monitor feeds both the live
    // view and the checker; a checker that lags pauses its reading for both.
    auto checkBacklog = std::make_shared<std::atomic<qint64>>(0);
    redis::RedisMonitor::Options monitorOptions;
    monitorOptions.connection.url = *url;
    monitorOptions.activeChannelPollMs = 2000;
    monitorOptions.consumerBacklog = checkBacklog;
    // The live view's ids and types, read where the checker reads them, on the
    // monitor's thread.
    const gap::FieldMapping mapping;
    monitorOptions.readFields = mapping.notificationPointers();
    m_monitorThread = startThread(this, "redis-monitor");
    m_monitor = new redis::RedisMonitor(monitorOptions);
    m_monitor->moveToThread(m_monitorThread);
    connect(m_monitorThread, &QThread::finished, m_monitor, &QObject::deleteLater);
    ui::LivePanel *live = m_window->livePanel();
    // The shared monitor also carries the checker's patterns: the live view takes the
    // messages of its own subscriptions only (each consumer takes what it asked for).
    connect(m_monitor, &redis::RedisMonitor::messages, live,
            [live](const QList<redis::PubSubMessage> &batch) {
                live->appendMessages(ofSubscriptions(batch, live->subscriptions()));
            });
    connect(m_monitor, &redis::RedisMonitor::activeChannelsPolled, live,
            &ui::LivePanel::setActiveChannels);
    connect(m_monitor, &redis::RedisMonitor::subscribed, m_window, [this] {
        m_window->redisLight()->setState(ui::HealthLight::State::Up,
                                         tr("subscribed at %1").arg(m_settings.redisUrl));
    });
    connect(m_monitor, &redis::RedisMonitor::outageStarted, m_window,
            [this](const redis::SubscriptionOutage &outage) {
                m_window->redisLight()->setState(ui::HealthLight::State::Down, outage.cause);
            });
    connect(m_monitor, &redis::RedisMonitor::startFailed, m_window, [this](const QString &why) {
        m_window->redisLight()->setState(ui::HealthLight::State::Down, why);
    });
    connect(live, &ui::LivePanel::subscribeRequested, m_monitor,
            [monitor = m_monitor](const QByteArray &name, bool isPattern) {
                monitor->subscribe(name, isPattern);
            });
    connect(live, &ui::LivePanel::unsubscribeRequested, m_monitor,
            [monitor = m_monitor](const QByteArray &name, bool isPattern) {
                monitor->unsubscribe(name, isPattern);
            });
    const auto remember = [this, live] {
        rememberSubscriptions(m_settings.name, live->subscriptions());
    };
    connect(live, &ui::LivePanel::subscribeRequested, this, remember);
    connect(live, &ui::LivePanel::unsubscribeRequested, this, remember);
    // What the user watched last time on this connection; at first the checker's patterns.
    QList<Subscription> subscriptions;
    for (const QByteArray &pattern : m_settings.patterns)
        subscriptions.append({pattern, true});
    subscriptions = rememberedSubscriptions(m_settings.name).value_or(subscriptions);
    live->setSubscriptions(subscriptions);

    // Gaps: a check session that runs for as long as the window.
    check::CheckConfig checkConfig;
    checkConfig.kafkaBootstrap = m_settings.kafkaBootstrap;
    checkConfig.kafkaProperties = m_settings.kafkaProperties;
    checkConfig.topic = m_settings.topic;
    checkConfig.redisUrl = *url;
    checkConfig.patterns = m_settings.patterns;
    checkConfig.detector.mapping = mapping;
    // The live view shows a verdict on each row it holds: per 100 ms tick, the
    // newest matches up to what a screen of rows can use.
    checkConfig.detector.reportNewestMatches = kLiveMatchesPerTick;
    checkConfig.detector.maxPendingEntries = kCheckerEntries;
    checkConfig.sharedMonitor = m_monitor;
    checkConfig.sharedMonitorBacklog = checkBacklog;
    m_checkThread = startThread(this, "check");
    m_check = new check::CheckSession(checkConfig);
    m_check->moveToThread(m_checkThread);
    ui::GapPanel *gaps = m_window->gapPanel();
    connect(m_check, &check::CheckSession::gapsFound, gaps, &ui::GapPanel::appendGaps);
    connect(m_check, &check::CheckSession::gapsFound, live, &ui::LivePanel::applyGaps);
    connect(m_check, &check::CheckSession::matchesFound, live, &ui::LivePanel::applyMatches);
    connect(m_check, &check::CheckSession::statusesReported, live, &ui::LivePanel::applyStatuses);
    ui::EventTraceWindow *trace = m_window->traceWindow();
    connect(m_check, &check::CheckSession::eventTraced, trace, &ui::EventTraceWindow::setStatus);
    connect(m_check, &check::CheckSession::latencySnapshot, gaps, &ui::GapPanel::setLatency);
    connect(m_check, &check::CheckSession::windowSnapshot, gaps, &ui::GapPanel::setReportWindow);
    connect(m_check, &check::CheckSession::progress, gaps,
            [this, gaps](const gap::GapCounts &counts) {
                gaps->setCounts(counts);
                m_kafkaTailing = true;
                showKafkaHealth();
            });
    connect(m_check, &check::CheckSession::failed, m_window, [this](const QString &why) {
        m_kafkaTailing = false;
        m_window->kafkaLight()->setState(ui::HealthLight::State::Down, why);
        qWarning("%s", qPrintable(why));
    });
    // Stream rates for the chart, from the counters, about once a second.
    connect(
        m_check, &check::CheckSession::progress, gaps, [this, gaps](const gap::GapCounts &counts) {
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            if (now - m_lastRateSampleMs < 1000)
                return;
            const double seconds = m_lastRateSampleMs ? (now - m_lastRateSampleMs) / 1000.0 : 1.0;
            gaps->addRateSample(now, (counts.kafkaRecords - m_lastKafkaRecords) / seconds,
                                (counts.redisNotifications - m_lastRedisNotifications) / seconds);
            m_lastKafkaRecords = counts.kafkaRecords;
            m_lastRedisNotifications = counts.redisNotifications;
            m_lastRateSampleMs = now;
        });
    // Recent events for the live view, on a thread of their own: a load blocks for
    // up to its timeout on a slow cluster, and the browser must not wait for it.
    check::RecentEventsRequest recent;
    recent.kafkaBootstrap = m_settings.kafkaBootstrap;
    recent.kafkaProperties = m_settings.kafkaProperties;
    recent.topic = m_settings.topic;
    recent.mapping = checkConfig.detector.mapping;
    recent.channelTemplate = checkConfig.detector.channelTemplate;
    recent.count = kRecentEvents;
    m_recentThread = startThread(this, "recent-events");
    m_recent = new check::RecentEventsLoader(recent);
    m_recent->moveToThread(m_recentThread);
    connect(m_recentThread, &QThread::finished, m_recent, &QObject::deleteLater);
    // The live view's start mid-stream, and its refill after an outage: wired before
    // the monitor starts, so that no confirmation comes before.
    m_catchUp = new LiveCatchUp(live, m_recent, checkConfig.detector.graceMs, kRecentEvents, this);
    for (const Subscription &subscription : std::as_const(subscriptions))
        m_catchUp->expect(subscription);
    connect(live, &ui::LivePanel::subscribeRequested, m_catchUp,
            [catchUp = m_catchUp](const QByteArray &name, bool isPattern) {
                catchUp->expect({name, isPattern});
            });
    connect(live, &ui::LivePanel::unsubscribeRequested, m_catchUp,
            [catchUp = m_catchUp](const QByteArray &name, bool isPattern) {
                catchUp->forget({name, isPattern});
            });
    connect(m_monitor, &redis::RedisMonitor::subscriptionConfirmed, m_catchUp,
            &LiveCatchUp::onSubscriptionConfirmed);
    connect(m_monitor, &redis::RedisMonitor::outageEnded, m_catchUp, &LiveCatchUp::onOutageEnded);
    connect(m_catchUp, &LiveCatchUp::statusesWanted, m_check, &check::CheckSession::reportStatuses);

    // The session adds its patterns to the shared monitor before it starts, so that
    // it sees the first subscription: start() only validates, makes its Kafka thread
    // and queues calls, so waiting for it costs the GUI thread no network wait.
    QMetaObject::invokeMethod(m_check, &check::CheckSession::start, Qt::BlockingQueuedConnection);
    QMetaObject::invokeMethod(m_monitor, [monitor = m_monitor, subscriptions] {
        for (const auto &[name, isPattern] : subscriptions)
            monitor->subscribe(name, isPattern);
        monitor->start();
    });

    // Kafka browser.
    m_browserThread = startThread(this, "kafka-browser");
    m_browser = new kafka::BrowserWorker(m_settings.kafkaBootstrap, m_settings.kafkaProperties);
    m_browser->moveToThread(m_browserThread);
    connect(m_browserThread, &QThread::finished, m_browser, &QObject::deleteLater);
    m_window->browserPanel()->setWorker(m_browser);
    // A partition the browser cannot read (a broker down) makes the light amber.
    connect(m_window->browserPanel(), &ui::BrowserPanel::clusterProblemChanged, this,
            &Services::showKafkaHealth);
    m_window->browserPanel()->refresh();

    connect(gaps, &ui::GapPanel::openKafkaRecord, this, &Services::showRecordInBrowser);
    connect(gaps, &ui::GapPanel::selectNotification, live, &ui::LivePanel::selectNotification);
    // The Kafka page's id column reads the id where the checker reads it.
    m_window->browserPanel()->model()->setIdPointer(mapping.kafkaId);
    connect(m_window->browserPanel(), &ui::BrowserPanel::showNotificationRequested, live,
            &ui::LivePanel::selectNotification);
    ui::FirePanel *fire = m_window->firePanel();
    connect(fire, &ui::FirePanel::showRecordRequested, this, &Services::showRecordInBrowser);
    connect(fire, &ui::FirePanel::showNotificationRequested, live,
            &ui::LivePanel::selectNotification);
    connect(trace, &ui::EventTraceWindow::showRecordRequested, this, &Services::showRecordAndRaise);
    connect(trace, &ui::EventTraceWindow::showNotificationRequested, live,
            [this, live](const QByteArray &id) {
                live->selectNotification(id);
                m_window->raise();
            });
    connect(live, &ui::LivePanel::showRecordRequested, this, &Services::showRecordInBrowser);
    connect(gaps, &ui::GapPanel::replayMissingRequested, this, &Services::replayMissing);
    // A merged view of reports: its missing events replay and its records open as the
    // live panel's do.
    connect(m_window, &ui::MainWindow::reportViewerOpened, this, [this](ui::ReportViewer *viewer) {
        ui::GapPanel *merged = viewer->gapPanel();
        connect(merged, &ui::GapPanel::openKafkaRecord, this, &Services::showRecordAndRaise);
        connect(merged, &ui::GapPanel::replayMissingRequested, this, &Services::replayMissing);
    });
    emit ready();
}

void Services::showRecordInBrowser(qint32 partition, qint64 offset)
{
    m_window->browserPanel()->showRecord(m_settings.topic, partition, offset);
}

void Services::showRecordAndRaise(qint32 partition, qint64 offset)
{
    showRecordInBrowser(partition, offset);
    m_window->raise(); // asked from a window of its own (a trace, merged reports)
}

void Services::fire(const ui::FireRequest &request)
{
    if (m_shuttingDown)
        return;
    if (m_publisher)
        return; // one run at a time: the panel shows Stop while running
    ui::EventTraceWindow *trace = request.trace ? m_window->traceWindow() : nullptr;
    if (trace) {
        trace->begin(QString::fromUtf8(m_settings.topic));
        trace->show();
        trace->raise();
    }
    const auto refuse = [this, trace](const QString &why) {
        m_window->firePanel()->setError(why);
        if (trace)
            trace->setFireError(why);
    };
    generate::TemplateError templateError;
    std::optional<generate::EventTemplate> eventTemplate =
        generate::EventTemplate::compile(request.templateText, &templateError);
    if (!eventTemplate) {
        refuse(templateError.toString());
        return;
    }
    eventTemplate->setSourceSpread(request.sources);
    QString error;
    publish::PublisherConfig config;
    config.kafkaBootstrap = m_settings.kafkaBootstrap;
    config.kafkaProperties = m_settings.kafkaProperties;
    config.topic = m_settings.topic;
    config.redisUrl = *redisTarget(&error);
    if (m_publisherLinkPort != 0) {
        config.redisUrl.host = QStringLiteral("127.0.0.1");
        config.redisUrl.port = m_publisherLinkPort;
    }
    config.ordering = request.ordering;
    config.reportOutcomes = request.trace; // the one event's outcome, for its trace
    if (!request.defects.isEmpty()) {
        std::optional<publish::DefectPlan> plan = publish::DefectPlan::fromCounts(
            request.defects, request.run.count, QRandomGenerator::global()->generate(), &error);
        if (!plan) {
            refuse(error);
            return;
        }
        config.defects = std::move(plan);
        config.injectDelayMs = request.injectDelayMs;
    }
    if (!m_publisherThread)
        m_publisherThread = startThread(this, "publisher");
    m_publisher = new publish::DualPublisher(config);
    m_run = new publish::PublishRun(m_publisher, *eventTemplate, request.run);
    m_publisher->moveToThread(m_publisherThread);
    m_run->moveToThread(m_publisherThread);
    ui::FirePanel *panel = m_window->firePanel();
    const qint64 requested = request.run.count;
    connect(m_publisher, &publish::DualPublisher::started, m_run, &publish::PublishRun::start);
    connect(m_publisher, &publish::DualPublisher::startFailed, panel,
            [this, refuse](const QString &why) {
                refuse(why);
                finishFire();
            });
    if (trace) {
        // The one event's outcome: the trace shows it and asks the checker to follow
        // its id (looked up, so a verdict given before the request still comes).
        connect(m_publisher, &publish::DualPublisher::outcomesReady, trace,
                [this, trace](const QList<publish::PublishOutcome> &outcomes) {
                    if (outcomes.isEmpty())
                        return;
                    trace->setPublishOutcome(outcomes.constFirst());
                    if (m_check)
                        QMetaObject::invokeMethod(
                            m_check, [check = m_check, id = outcomes.constFirst().eventId] {
                                check->traceEvent(id);
                            });
                });
        connect(
            this, &Services::fireFinished, trace,
            [trace](const publish::RunSummary &run) {
                QStringList staged;
                for (const auto &[defect, id] : run.injected)
                    staged.append(QLatin1String(publish::defectName(defect)));
                trace->setStaged(staged.join(QStringLiteral(", ")));
            },
            Qt::SingleShotConnection);
    }
    connect(m_run, &publish::PublishRun::lastAcked, panel, &ui::FirePanel::setLastAcked);
    connect(m_run, &publish::PublishRun::progress, panel,
            [panel, requested](const publish::PublisherStats &stats, qint64 generated) {
                panel->setProgress(stats, generated, requested);
            });
    connect(m_run, &publish::PublishRun::finished, m_publisher,
            [this, publisher = m_publisher.data(), panel](const publish::RunSummary &summary) {
                QMetaObject::invokeMethod(panel, [panel, summary] { panel->setFinished(summary); });
                QMetaObject::invokeMethod(this, [this, summary] { emit fireFinished(summary); });
                publisher->shutdown(kPublisherShutdownMs);
            });
    connect(m_publisher, &publish::DualPublisher::shutdownFinished, this, &Services::finishFire);
    panel->setRunning(true);
    QMetaObject::invokeMethod(m_publisher, &publish::DualPublisher::start);
}

void Services::stopFire()
{
    if (m_shuttingDown)
        return;
    if (m_run)
        QMetaObject::invokeMethod(m_run, &publish::PublishRun::stop);
}

void Services::finishFire()
{
    if (m_shuttingDown)
        return; // the shutdown stops and deletes them
    m_window->firePanel()->setRunning(false);
    if (m_run)
        m_run->deleteLater();
    if (m_publisher)
        m_publisher->deleteLater();
    m_run = nullptr;
    m_publisher = nullptr;
}

void Services::replayMissing(const QList<gap::Gap> &missing)
{
    if (m_shuttingDown)
        return;
    if (m_replay || missing.isEmpty())
        return; // one replay at a time
    QString error;
    publish::ReplayConfig config;
    config.kafkaBootstrap = m_settings.kafkaBootstrap;
    config.kafkaProperties = m_settings.kafkaProperties;
    config.redisUrl = *redisTarget(&error);
    QList<publish::ReplayTarget> targets;
    for (const gap::Gap &gap : missing)
        targets.append({m_settings.topic, gap.partition, gap.offset, gap.id});
    if (!m_replayThread)
        m_replayThread = startThread(this, "replay");
    m_replay = new publish::NotificationReplay(config, targets);
    m_replay->moveToThread(m_replayThread);
    ui::GapPanel *gaps = m_window->gapPanel();
    connect(m_replay, &publish::NotificationReplay::progress, gaps,
            &ui::GapPanel::setReplayProgress);
    connect(m_replay, &publish::NotificationReplay::finished, gaps,
            [this](const publish::ReplayResult &result) {
                if (m_shuttingDown)
                    return;
                qInfo("replayed %lld missing notifications: sent %lld, failed %lld, skipped %lld",
                      static_cast<long long>(result.requested), static_cast<long long>(result.sent),
                      static_cast<long long>(result.failed),
                      static_cast<long long>(result.skippedUnparseable + result.skippedNoChannel +
                                             result.skippedNotFound));
                m_replay->deleteLater();
                m_replay = nullptr;
            });
    connect(m_replay, &publish::NotificationReplay::failed, gaps, [this](const QString &why) {
        if (m_shuttingDown)
            return;
        qWarning("replay failed: %s", qPrintable(why));
        m_replay->deleteLater();
        m_replay = nullptr;
    });
    QMetaObject::invokeMethod(m_replay, &publish::NotificationReplay::start);
}

void Services::wireFaults()
{
    connect(m_window, &ui::MainWindow::redisDownRequested, this, &Services::setRedisDown);
    connect(m_window, &ui::MainWindow::brokerDownRequested, this, &Services::setBrokerDown);
    connect(m_window, &ui::MainWindow::requestErrorsRequested, this, &Services::pushRequestErrors);
    connect(m_window, &ui::MainWindow::roundTripTimeRequested, this, &Services::setRoundTripTime);
    connect(m_window, &ui::MainWindow::publisherRedisCutRequested, this,
            &Services::cutPublisherRedisLink);
}

void Services::cutPublisherRedisLink(int seconds)
{
    if (m_shuttingDown)
        return;
    if (!m_publisherLink)
        return;
    QMetaObject::invokeMethod(m_publisherLink, [link = m_publisherLink, seconds] {
        link->cut(seconds * 1000);
        qInfo("sandbox fault: the publisher's Redis link cut for %d s (the checker keeps "
              "watching)",
              seconds);
    });
}

void Services::showKafkaHealth()
{
    const QString problem = m_window->browserPanel()->clusterProblem();
    if (!problem.isEmpty()) {
        m_window->kafkaLight()->setState(ui::HealthLight::State::Degraded, problem);
        return;
    }
    if (!m_kafkaTailing)
        return; // unknown until the tail runs, or down with the check's reason
    m_window->kafkaLight()->setState(ui::HealthLight::State::Up,
                                     tr("tailing %1 at %2")
                                         .arg(QString::fromUtf8(m_settings.topic),
                                              QString::fromUtf8(m_settings.kafkaBootstrap)));
}

void Services::setRedisDown(bool down)
{
    if (m_shuttingDown)
        return;
    if (!m_sandbox)
        return;
    QMetaObject::invokeMethod(m_sandbox, [sandbox = m_sandbox, down] {
        QString error;
        if (!sandbox->setRedisDown(down, &error))
            qWarning("Redis fault: %s", qPrintable(error));
        else
            qInfo("sandbox fault: Redis %s", down ? "down" : "up");
    });
}

void Services::setBrokerDown(int brokerId, bool down)
{
    if (m_shuttingDown)
        return;
    if (!m_sandbox)
        return;
    QPointer<ui::BrowserPanel> browser = m_window->browserPanel();
    QMetaObject::invokeMethod(m_sandbox, [sandbox = m_sandbox, brokerId, down, browser] {
        QString error;
        if (!sandbox->kafka().setBrokerDown(brokerId, down, &error))
            qWarning("broker fault: %s", qPrintable(error));
        else
            qInfo("sandbox fault: broker %d %s", brokerId, down ? "down" : "up");
        // The cluster changed: the partition table says so now, not at the next tick.
        if (browser)
            QMetaObject::invokeMethod(browser, &ui::BrowserPanel::refreshCurrentTopic,
                                      Qt::QueuedConnection);
    });
}

void Services::pushRequestErrors(const QString &api, const QString &errorName, int count)
{
    if (m_shuttingDown)
        return;
    if (!m_sandbox)
        return;
    QMetaObject::invokeMethod(m_sandbox, [sandbox = m_sandbox, api, errorName, count] {
        const auto apiKey = sandbox::KafkaMockCluster::apiKeyByName(api);
        const auto code = sandbox::KafkaMockCluster::errorCodeByName(errorName);
        QString error;
        if (!apiKey || !code ||
            !sandbox->kafka().pushRequestErrors(*apiKey, QList<int>(count, *code), &error))
            qWarning("request-error fault: %s %s %s", qPrintable(api), qPrintable(errorName),
                     qPrintable(error));
        else
            qInfo("sandbox fault: next %d %s requests fail with %s", count, qPrintable(api),
                  qPrintable(errorName));
    });
}

void Services::setRoundTripTime(int milliseconds)
{
    if (m_shuttingDown)
        return;
    if (!m_sandbox)
        return;
    QMetaObject::invokeMethod(m_sandbox, [sandbox = m_sandbox, milliseconds] {
        QString error;
        if (!sandbox->kafka().setBrokerRtt(-1, milliseconds, &error))
            qWarning("round-trip fault: %s", qPrintable(error));
        else
            qInfo("sandbox fault: broker round-trip time %d ms", milliseconds);
    });
}

std::optional<redis::RedisUrl> Services::redisTarget(QString *error) const
{
    std::optional<redis::RedisUrl> url = redis::RedisUrl::parse(m_settings.redisUrl, error);
    if (!url)
        return std::nullopt;
    url->tlsCaFile = m_settings.redisTlsCaFile;
    url->tlsCertFile = m_settings.redisTlsCertFile;
    url->tlsKeyFile = m_settings.redisTlsKeyFile;
    if (!redis::checkTlsFiles(*url, error))
        return std::nullopt;
    return url;
}

QString Services::redisServerVersion() const
{
    QProcess process;
    process.start(QStringLiteral("redis-server"), {QStringLiteral("--version")});
    if (!process.waitForFinished(2000))
        return QStringLiteral("redis-server (version unknown)");
    // "Redis server v=7.0.15 sha=..." -> "redis-server 7.0.15"
    const QByteArray out = process.readAllStandardOutput();
    const qsizetype at = out.indexOf("v=");
    return at < 0 ? QStringLiteral("redis-server (version unknown)")
                  : QStringLiteral("redis-server %1")
                        .arg(QString::fromUtf8(out.mid(at + 2, out.indexOf(' ', at) - at - 2)));
}

} // namespace dualscope::app
