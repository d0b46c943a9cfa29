// SPDX-License-Identifier: MIT
#pragma once

#include "generate/eventtemplate.h"
#include "generate/ratelimiter.h"
#include "publish/defectplan.h"
#include "publish/publishoutcome.h"

#include <QElapsedTimer>
#include <QObject>
#include <optional>

class QTimer;

namespace dualscope::publish {

class DualPublisher;

struct RunConfig
{
    qint64 count = 1;
    // Events per second; <= 0 is unlimited.
    double rate = 0;
    // Bucket size of the rate limiter: how many may go at once after a pause.
    double burst = 0;
    // Events per publishBatch() call: one Kafka produce batch, one Redis pipeline.
    int batch = 100;
    // Stop generating while this many events await their outcome, so a slow peer
    // holds memory to this bound instead of the whole run ("streamed through").
    qint64 maxInFlight = 100'000;
};

struct RunSummary
{
    PublisherStats stats;
    qint64 generated = 0;
    double elapsedSeconds = 0;
    bool stoppedEarly = false;
    // The defects staged on purpose: kind and event id (see DualPublisher).
    QList<std::pair<Defect, QByteArray>> injected;
};

// Generates `count` events from a template at a rate and publishes them; the
// engine behind `dualscope-cli publish` and the GUI's Fire panel.
// Threading: lives on the publisher's worker thread; call start()/stop() there.
class PublishRun final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PublishRun)

public:
    PublishRun(DualPublisher *publisher, generate::EventTemplate eventTemplate, RunConfig config,
               QObject *parent = nullptr);

    // The publisher must have emitted started().
    void start();
    // Stops generating; finished() follows once what was sent has its outcome.
    void stop();

signals:
    // About every 200 ms while running.
    void progress(const dualscope::publish::PublisherStats &stats, qint64 generated);
    // With each progress(): the newest event Kafka acknowledged, once there is one.
    void lastAcked(const dualscope::publish::PublishOutcome &outcome);
    void finished(const dualscope::publish::RunSummary &summary);

private:
    void step();
    void scheduleNext();
    void waitForOutcomes();
    RunSummary summary() const;
    void reportProgress();

    DualPublisher *m_publisher;
    generate::EventTemplate m_template;
    RunConfig m_config;
    generate::RateLimiter m_limiter;
    QTimer *m_stepTimer = nullptr;
    QTimer *m_progressTimer = nullptr;
    QElapsedTimer m_elapsed;
    QList<event::Event> m_events;
    qint64 m_generated = 0;
    bool m_stopping = false;
    bool m_finished = false;
};

} // namespace dualscope::publish

Q_DECLARE_METATYPE(dualscope::publish::RunSummary)
