// SPDX-License-Identifier: MIT
#pragma once

#include "gap/gapreport.h"
#include "gap/gaptypes.h"
#include "metrics/latencyhistogram.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QWidget>

class QBarSet;
class QChart;
class QComboBox;
class QDateTimeAxis;
class QLabel;
class QLineSeries;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class QValueAxis;

namespace dualscope::ui {

class GapTableModel;

// What the checker found: a counter per gap kind, the gap table with a kind filter,
// and charts (the rate of each stream and the gaps over the last minutes, the
// latency distribution). Exports JSON/CSV, asks for a replay of the missing
// notifications, and jumps from a gap to its Kafka record or its notification.
// GUI thread only.
class GapPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GapPanel)

public:
    // The charts show the last five minutes: long enough to see a trend, short
    // enough that 1 Hz samples stay a few hundred points.
    static constexpr qint64 kChartWindowMs = 5 * 60 * 1000;

    explicit GapPanel(QWidget *parent = nullptr);
    ~GapPanel() override;

    void appendGaps(const QList<dualscope::gap::Gap> &gaps);
    void setCounts(const dualscope::gap::GapCounts &counts);
    void setLatency(const dualscope::metrics::LatencyHistogram &latency);
    // The window written into a JSON export (topic, partitions, patterns, outages).
    void setReportWindow(const dualscope::gap::ReportWindow &window);
    const dualscope::gap::ReportWindow &reportWindow() const { return m_window; }
    void addRateSample(qint64 wallMs, double kafkaPerSecond, double redisPerSecond);
    void setReplayProgress(qint64 done, qint64 total);
    void clear();

    const dualscope::gap::GapCounts &counts() const { return m_counts; }
    // The number shown for a kind (for tests and the status bar).
    QString countText(dualscope::gap::GapKind kind) const;
    GapTableModel *tableModel() const { return m_model; }
    QSortFilterProxyModel *filterModel() const { return m_proxy; }
    QTableView *tableView() const { return m_table; }
    // Shows only one kind; nullopt-like -1 shows all.
    void setKindFilter(int kind);
    QList<dualscope::gap::Gap> missingGaps() const;

    // The export actions without the file dialog.
    bool exportJson(const QString &path, QString *error) const;
    bool exportCsv(const QString &path, QString *error) const;

signals:
    void replayMissingRequested(const QList<dualscope::gap::Gap> &missing);
    void openKafkaRecord(qint32 partition, qint64 offset);
    void selectNotification(const QByteArray &id);

private:
    void onActivated(const QModelIndex &proxyIndex);
    void chooseExportFile(bool json);
    void updateReplayButton();
    void updateFootnote();

    GapTableModel *m_model = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QTableView *m_table = nullptr;
    QComboBox *m_kindFilter = nullptr;
    QHash<int, QLabel *> m_countLabels;
    QLabel *m_footnote = nullptr; // what the counters do not show (updateFootnote)
    QPushButton *m_replayButton = nullptr;
    QProgressBar *m_replayProgress = nullptr;

    QChart *m_rateChart = nullptr;
    QLineSeries *m_kafkaRate = nullptr;
    QLineSeries *m_redisRate = nullptr;
    QDateTimeAxis *m_rateTimeAxis = nullptr;
    QValueAxis *m_rateValueAxis = nullptr;
    QLineSeries *m_gapSeries = nullptr;
    QDateTimeAxis *m_gapTimeAxis = nullptr;
    QValueAxis *m_gapValueAxis = nullptr;
    QBarSet *m_latencySet = nullptr;
    QValueAxis *m_latencyValueAxis = nullptr;

    gap::GapCounts m_counts;
    metrics::LatencyHistogram m_latency;
    gap::ReportWindow m_window;
    qint64 m_gapsSinceSample = 0;
};

} // namespace dualscope::ui
