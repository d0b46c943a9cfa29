// SPDX-License-Identifier: MIT
#include "firebenchmark.h"

#include "compose/firepanel.h"
#include "gap/gaptypes.h"
#include "gaps/gappanel.h"
#include "main/mainwindow.h"

#include <QApplication>
#include <QTimer>
#include <cstdio>
#include <sys/resource.h>

namespace dualscope::app {

namespace {

// The checker judges an event once its grace window (2 s) passed on the Redis
// clock; counts that stood still this long after every event was accounted for
// are final.
constexpr qint64 kSettledMs = 3000;
// A checker that fell far behind gets this long to catch up before the figures are
// printed as they stand.
constexpr qint64 kGiveUpMs = 120'000;
constexpr int kSources = 50;

double peakRssMegabytes()
{
    struct rusage usage = {};
    ::getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024.0;
}

// Every event has its verdict, or its notification was counted unjudged (the
// sandbox keeps ~5 MB per partition: at full speed retention can delete records
// before the checker's tail reads them, which the checker says instead of judging)
// or let go at the checker's memory cap while it waited for such a record. One let
// go whose record the tail read after all is counted twice: its event is also
// `unobserved` (the cap's time is an outage of the checker's own).
qint64 accountedFor(const gap::GapCounts &c)
{
    return c.matched + c.missing + c.wrongChannel + c.unobserved + c.unjudgedNotifications +
           c.droppedNotifications;
}

} // namespace

FireBenchmark::FireBenchmark(ui::MainWindow *window, int count, QObject *parent)
    : QObject(parent), m_window(window), m_count(count), m_poll(new QTimer(this))
{
    m_poll->setInterval(250);
    connect(m_poll, &QTimer::timeout, this, &FireBenchmark::poll);
}

void FireBenchmark::start()
{
    m_sinceFire.start();
    m_window->firePanel()->fireRun(m_count, 0, kSources);
}

void FireBenchmark::fired(const publish::RunSummary &summary)
{
    m_summary = summary;
    m_sinceFired.start();
    m_sinceChange.start();
    m_poll->start();
}

void FireBenchmark::poll()
{
    const qint64 now = accountedFor(m_window->gapPanel()->counts());
    if (now != m_lastJudged) {
        m_lastJudged = now;
        m_sinceChange.restart();
    }
    const bool allAccounted = now >= m_summary.stats.kafkaAcked;
    if ((allAccounted && m_sinceChange.elapsed() >= kSettledMs) ||
        m_sinceFired.elapsed() >= kGiveUpMs)
        report(allAccounted);
}

void FireBenchmark::report(bool settled)
{
    m_poll->stop();
    const gap::GapCounts &c = m_window->gapPanel()->counts();
    const publish::PublisherStats &stats = m_summary.stats;
    const qint64 falseGaps =
        c.missing + c.orphan + c.wrongChannel + c.duplicate + c.late + c.oversized + c.unparseable;
    std::printf("fired %d events from the Fire panel at an unlimited rate: Kafka acked %lld in "
                "%.1f s (%.0f events/s), Redis sent %lld, skipped %lld, failed %lld\n",
                m_count, static_cast<long long>(stats.kafkaAcked), m_summary.elapsedSeconds,
                stats.kafkaAcked / std::max(0.001, m_summary.elapsedSeconds),
                static_cast<long long>(stats.redisSent), static_cast<long long>(stats.redisSkipped),
                static_cast<long long>(stats.redisFailed));
    std::printf("gap panel: matched %lld, missing %lld, orphan %lld, wrong_channel %lld, "
                "duplicate %lld, late %lld, oversized %lld, unparseable %lld, unobserved %lld%s\n",
                static_cast<long long>(c.matched), static_cast<long long>(c.missing),
                static_cast<long long>(c.orphan), static_cast<long long>(c.wrongChannel),
                static_cast<long long>(c.duplicate), static_cast<long long>(c.late),
                static_cast<long long>(c.oversized), static_cast<long long>(c.unparseable),
                static_cast<long long>(c.unobserved),
                settled ? "" : " (not all judged when the benchmark gave up waiting)");
    std::printf("not judged (never gaps): %lld notifications whose records the checker's Kafka "
                "tail could not read before the sandbox's retention deleted them (%lld offset "
                "ranges), or copies of ids it forgot early; %lld let go at its memory cap\n",
                static_cast<long long>(c.unjudgedNotifications),
                static_cast<long long>(m_window->gapPanel()->reportWindow().kafkaSkipped.size()),
                static_cast<long long>(c.droppedNotifications));
    std::printf("checker memory: %lld ids forgotten before their memory window ended (the "
                "cap)\n",
                static_cast<long long>(c.forgottenEarly));
    std::printf("judged %.1f s after the run ended; peak resident memory %.0f MB (target < 300 "
                "MB)\n",
                m_sinceFired.elapsed() / 1000.0, peakRssMegabytes());
    const bool clean = settled && falseGaps == 0 && stats.kafkaAcked == m_count;
    std::printf("%s\n", clean ? "no false gaps, every event accounted for"
                              : "FALSE GAPS, or events not acknowledged or not accounted for");
    std::fflush(stdout);
    QApplication::exit(clean ? 0 : 1);
}

} // namespace dualscope::app
