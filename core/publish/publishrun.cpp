// SPDX-License-Identifier: MIT
#include "publish/publishrun.h"

#include "publish/dualpublisher.h"

#include <QDateTime>
#include <QTimer>
#include <algorithm>

namespace dualscope::publish {

namespace {
// Progress is for people and progress bars: a few updates a second is plenty.
constexpr int kProgressIntervalMs = 200;
// While too many events await their outcome, look again this often.
constexpr int kBackpressureRetryMs = 2;
} // namespace

PublishRun::PublishRun(DualPublisher *publisher, generate::EventTemplate eventTemplate,
                       RunConfig config, QObject *parent)
    : QObject(parent), m_publisher(publisher), m_template(std::move(eventTemplate)),
      m_config(config), m_limiter(config.rate, config.burst)
{
    m_config.batch = std::max(1, m_config.batch);
}

void PublishRun::start()
{
    m_elapsed.start();
    m_stepTimer = new QTimer(this);
    m_stepTimer->setSingleShot(true);
    m_stepTimer->setTimerType(Qt::PreciseTimer);
    connect(m_stepTimer, &QTimer::timeout, this, &PublishRun::step);
    m_progressTimer = new QTimer(this);
    m_progressTimer->setInterval(kProgressIntervalMs);
    connect(m_progressTimer, &QTimer::timeout, this, &PublishRun::reportProgress);
    m_progressTimer->start();
    m_stepTimer->start(0);
}

void PublishRun::stop()
{
    m_stopping = true;
}

void PublishRun::step()
{
    if (m_stopping || m_generated >= m_config.count) {
        waitForOutcomes();
        return;
    }
    if (m_publisher->inFlight() >= m_config.maxInFlight) {
        m_stepTimer->start(kBackpressureRetryMs);
        return;
    }
    const qint64 wanted = std::min<qint64>(m_config.batch, m_config.count - m_generated);
    const qint64 allowed = m_limiter.take(wanted);
    if (allowed > 0) {
        // The batch's events are expanded into the same buffers every time.
        m_events.resize(allowed);
        const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
        for (qint64 i = 0; i < allowed; ++i)
            m_template.expandInto(m_events[i], m_generated + i, nowMs);
        m_publisher->publishBatch(m_events, quint64(m_generated));
        m_generated += allowed;
    }
    scheduleNext();
}

void PublishRun::scheduleNext()
{
    if (m_limiter.unlimited()) {
        m_stepTimer->start(0); // return to the event loop so sockets and reports are served
        return;
    }
    const qint64 waitNs = m_limiter.nanosUntilNext();
    m_stepTimer->start(static_cast<int>(std::clamp<qint64>(waitNs / 1'000'000, 0, 1000)));
}

void PublishRun::waitForOutcomes()
{
    if (m_publisher->inFlight() > 0) {
        m_stepTimer->start(5);
        return;
    }
    if (m_finished)
        return;
    m_finished = true;
    m_progressTimer->stop();
    reportProgress();
    emit finished(summary());
}

void PublishRun::reportProgress()
{
    emit progress(m_publisher->stats(), m_generated);
    if (m_publisher->lastAcked().offset >= 0)
        emit lastAcked(m_publisher->lastAcked());
}

RunSummary PublishRun::summary() const
{
    RunSummary result;
    result.stats = m_publisher->stats();
    result.generated = m_generated;
    result.elapsedSeconds = m_elapsed.nsecsElapsed() / 1e9;
    result.stoppedEarly = m_generated < m_config.count;
    result.injected = m_publisher->injectedDefects();
    return result;
}

} // namespace dualscope::publish
