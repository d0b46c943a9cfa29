// SPDX-License-Identifier: MIT
#pragma once

#include "publish/publishrun.h"

#include <QElapsedTimer>
#include <QObject>

class QTimer;

namespace dualscope::ui {
class MainWindow;
}

namespace dualscope::app {

// `dualscope --fire-benchmark N`: fires N events at an unlimited rate from the Fire
// panel, as a user would, waits until the gap panel has judged them, prints what
// the panel counts and the process's peak memory, and quits — exit 0 when the
// panel shows no false gap and every acknowledged event was judged.
class FireBenchmark final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FireBenchmark)

public:
    FireBenchmark(ui::MainWindow *window, int count, QObject *parent = nullptr);

    // Once the services are ready.
    void start();
    void fired(const dualscope::publish::RunSummary &summary);

private:
    void poll();
    void report(bool settled);

    ui::MainWindow *m_window;
    const int m_count;
    publish::RunSummary m_summary;
    QElapsedTimer m_sinceFire;
    QElapsedTimer m_sinceChange;
    QElapsedTimer m_sinceFired;
    qint64 m_lastJudged = -1;
    QTimer *m_poll = nullptr;
};

} // namespace dualscope::app
