// SPDX-License-Identifier: MIT
#include "gaps/gappanel.h"

#include "gaps/gapexport.h"
#include "gaps/gaptablemodel.h"
#include "widgets/layoutmemory.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QMenu>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <limits>

namespace dualscope::ui {

namespace {

// Percentiles shown as bars; the histogram keeps buckets, not samples, and these
// are what an SLO is written against.
constexpr double kLatencyPercentiles[] = {50, 75, 90, 95, 99, 99.9};

const QString kWarningStyle = QStringLiteral("color: #c62828; font-weight: bold;");
const QString kNormalStyle = QStringLiteral("font-weight: bold;");

bool hasNotification(const gap::Gap &g)
{
    return !g.id.isEmpty() && (g.redisTsMs >= 0 || !g.channel.isEmpty());
}

QChartView *makeChartView(QChart *chart, QWidget *parent)
{
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(2, 2, 2, 2));
    // Three ticks in a smaller font: five full-size labels do not fit the chart's
    // share of a laptop screen, and Qt Charts elides them to "..." then.
    QFont small = chart->font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    chart->legend()->setFont(small);
    for (QAbstractAxis *axis : chart->axes()) {
        axis->setLabelsFont(small);
        if (auto *values = qobject_cast<QValueAxis *>(axis))
            values->setTickCount(3);
        else if (auto *times = qobject_cast<QDateTimeAxis *>(axis))
            times->setTickCount(3);
    }
    auto *view = new QChartView(chart, parent);
    view->setRenderHint(QPainter::Antialiasing);
    return view;
}

void trimSeries(QLineSeries *series, qint64 oldestMs)
{
    int old = 0;
    while (old < series->count() && series->at(old).x() < double(oldestMs))
        ++old;
    if (old > 0)
        series->removePoints(0, old);
}

double maxY(const QLineSeries *series)
{
    double result = 0;
    for (int i = 0; i < series->count(); ++i)
        result = std::max(result, series->at(i).y());
    return result;
}

} // namespace

GapPanel::GapPanel(QWidget *parent)
    : QWidget(parent), m_model(new GapTableModel(this)), m_proxy(new QSortFilterProxyModel(this))
{
    // Counters: two rows of six, each as wide as an eleven-digit count, so that a
    // growing number never widens the window.
    constexpr int kCountersPerRow = 6;
    const int valueWidth = fontMetrics().horizontalAdvance(QStringLiteral("99,999,999,999"));
    auto *counters = new QGridLayout;
    int index = 0;
    for (gap::GapKind kind : gap::kAllGapKinds) {
        auto *name = new QLabel(QString::fromLatin1(gap::kindName(kind)), this);
        auto *value = new QLabel(QStringLiteral("0"), this);
        value->setObjectName(QStringLiteral("gapCount_") + QLatin1String(gap::kindName(kind)));
        value->setStyleSheet(kNormalStyle);
        value->setAlignment(Qt::AlignCenter);
        value->setMinimumWidth(valueWidth);
        value->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
        name->setAlignment(Qt::AlignCenter);
        if (gap::isInformational(kind)) {
            name->setToolTip(tr("Informational: per-source order, not delivery; never a failure"));
            name->setStyleSheet(QStringLiteral("color: palette(mid); font-style: italic;"));
        }
        const int row = (index / kCountersPerRow) * 2;
        const int column = index % kCountersPerRow;
        counters->addWidget(name, row, column);
        counters->addWidget(value, row + 1, column);
        m_countLabels.insert(int(kind), value);
        ++index;
    }
    m_footnote = new QLabel(this);
    m_footnote->setObjectName(QStringLiteral("gapDropped"));
    m_footnote->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_footnote->setAlignment(Qt::AlignCenter);
    counters->addWidget(m_footnote, 2, kCountersPerRow - 1, 2, 1);

    // Toolbar.
    m_kindFilter = new QComboBox(this);
    m_kindFilter->setObjectName(QStringLiteral("kindFilter"));
    m_kindFilter->setProperty(LayoutMemory::kRememberChoice, true);
    m_kindFilter->addItem(tr("All kinds"), -1);
    for (gap::GapKind kind : gap::kAllGapKinds)
        m_kindFilter->addItem(QString::fromLatin1(gap::kindName(kind)), int(kind));
    auto *exportButton = new QToolButton(this);
    exportButton->setObjectName(QStringLiteral("export"));
    exportButton->setText(tr("Export"));
    exportButton->setPopupMode(QToolButton::InstantPopup);
    auto *exportMenu = new QMenu(exportButton);
    QAction *jsonAction = exportMenu->addAction(tr("JSON report…"));
    QAction *csvAction = exportMenu->addAction(tr("CSV…"));
    exportButton->setMenu(exportMenu);
    m_replayButton = new QPushButton(tr("Replay missing"), this);
    m_replayButton->setObjectName(QStringLiteral("replayMissing"));
    m_replayButton->setEnabled(false);
    m_replayProgress = new QProgressBar(this);
    m_replayProgress->setObjectName(QStringLiteral("replayProgress"));
    m_replayProgress->setFormat(tr("%v / %m replayed"));
    m_replayProgress->hide();

    auto *toolRow = new QHBoxLayout;
    toolRow->addWidget(new QLabel(tr("Kind"), this));
    toolRow->addWidget(m_kindFilter);
    toolRow->addStretch(1);
    toolRow->addWidget(m_replayProgress);
    toolRow->addWidget(m_replayButton);
    toolRow->addWidget(exportButton);

    // Table.
    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterRole(GapTableModel::KindNameRole);
    m_proxy->setFilterKeyColumn(GapTableModel::KindColumn);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("gapTable"));
    m_table->setModel(m_proxy);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->horizontalHeader()->setStretchLastSection(true);

    // Charts.
    // No chart titles: the tabs name the charts, and on a laptop screen the
    // height is the axes' (a title there left the labels elided to "...").
    m_rateChart = new QChart;
    m_kafkaRate = new QLineSeries(m_rateChart);
    m_kafkaRate->setName(tr("Kafka records/s"));
    m_redisRate = new QLineSeries(m_rateChart);
    m_redisRate->setName(tr("Redis notifications/s"));
    m_rateChart->addSeries(m_kafkaRate);
    m_rateChart->addSeries(m_redisRate);
    m_rateTimeAxis = new QDateTimeAxis(m_rateChart);
    m_rateTimeAxis->setFormat(QStringLiteral("HH:mm:ss"));
    m_rateValueAxis = new QValueAxis(m_rateChart);
    m_rateValueAxis->setLabelFormat(QStringLiteral("%.0f"));
    m_rateChart->addAxis(m_rateTimeAxis, Qt::AlignBottom);
    m_rateChart->addAxis(m_rateValueAxis, Qt::AlignLeft);
    for (QLineSeries *series : {m_kafkaRate, m_redisRate}) {
        series->attachAxis(m_rateTimeAxis);
        series->attachAxis(m_rateValueAxis);
    }

    auto *gapChart = new QChart;
    m_gapSeries = new QLineSeries(gapChart);
    m_gapSeries->setName(tr("new gaps"));
    gapChart->addSeries(m_gapSeries);
    m_gapTimeAxis = new QDateTimeAxis(gapChart);
    m_gapTimeAxis->setFormat(QStringLiteral("HH:mm:ss"));
    m_gapValueAxis = new QValueAxis(gapChart);
    m_gapValueAxis->setLabelFormat(QStringLiteral("%.0f"));
    gapChart->addAxis(m_gapTimeAxis, Qt::AlignBottom);
    gapChart->addAxis(m_gapValueAxis, Qt::AlignLeft);
    m_gapSeries->attachAxis(m_gapTimeAxis);
    m_gapSeries->attachAxis(m_gapValueAxis);

    auto *latencyChart = new QChart;
    auto *bars = new QBarSeries(latencyChart);
    m_latencySet = new QBarSet(tr("latency"), bars);
    QStringList categories;
    for (double p : kLatencyPercentiles) {
        m_latencySet->append(0);
        categories.append(QStringLiteral("p") + QString::number(p));
    }
    m_latencySet->append(0);
    categories.append(tr("max"));
    bars->append(m_latencySet);
    latencyChart->addSeries(bars);
    auto *categoryAxis = new QBarCategoryAxis(latencyChart);
    categoryAxis->append(categories);
    m_latencyValueAxis = new QValueAxis(latencyChart);
    latencyChart->addAxis(categoryAxis, Qt::AlignBottom);
    latencyChart->addAxis(m_latencyValueAxis, Qt::AlignLeft);
    bars->attachAxis(categoryAxis);
    bars->attachAxis(m_latencyValueAxis);
    latencyChart->legend()->hide();

    auto *charts = new QTabWidget(this);
    charts->setObjectName(QStringLiteral("charts"));
    charts->addTab(makeChartView(m_rateChart, charts), tr("Rates"));
    charts->setTabToolTip(0, tr("Kafka records and Redis notifications per second"));
    charts->addTab(makeChartView(gapChart, charts), tr("Gaps"));
    charts->setTabToolTip(1, tr("New gaps per sample"));
    charts->addTab(makeChartView(latencyChart, charts), tr("Latency (ms)"));
    charts->setTabToolTip(2, tr("Notification latency percentiles, in ms"));

    auto *split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName(QStringLiteral("gapSplitter"));
    split->setChildrenCollapsible(false);
    auto *tableBox = new QWidget(split);
    auto *tableLayout = new QVBoxLayout(tableBox);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->addLayout(toolRow);
    tableLayout->addWidget(m_table, 1);
    split->addWidget(tableBox);
    split->addWidget(charts);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(counters);
    layout->addWidget(split, 1);

    connect(m_kindFilter, &QComboBox::currentIndexChanged, this,
            [this](int) { setKindFilter(m_kindFilter->currentData().toInt()); });
    connect(m_table, &QTableView::doubleClicked, this, &GapPanel::onActivated);
    connect(jsonAction, &QAction::triggered, this, [this] { chooseExportFile(true); });
    connect(csvAction, &QAction::triggered, this, [this] { chooseExportFile(false); });
    connect(m_replayButton, &QPushButton::clicked, this,
            [this] { emit replayMissingRequested(missingGaps()); });

    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (QDateTimeAxis *axis : {m_rateTimeAxis, m_gapTimeAxis})
        axis->setRange(QDateTime::fromMSecsSinceEpoch(now - kChartWindowMs),
                       QDateTime::fromMSecsSinceEpoch(now));
    setCounts({});
}

GapPanel::~GapPanel() = default;

void GapPanel::appendGaps(const QList<gap::Gap> &gaps)
{
    m_model->appendGaps(gaps);
    m_gapsSinceSample += gaps.size();
    updateFootnote();
    updateReplayButton();
}

void GapPanel::setCounts(const gap::GapCounts &counts)
{
    m_counts = counts;
    for (gap::GapKind kind : gap::kAllGapKinds) {
        QLabel *label = m_countLabels.value(int(kind));
        const qint64 value = counts.of(kind);
        label->setText(QString::number(value));
        label->setStyleSheet(kind != gap::GapKind::Matched && value > 0 ? kWarningStyle
                                                                        : kNormalStyle);
    }
    updateFootnote();
}

// What the counters do not show: notifications the checker could not judge (never
// gaps, but a reason the counters add up to less than what was fired), and rows the
// table let go.
void GapPanel::updateFootnote()
{
    QStringList lines;
    const qint64 notJudged = m_counts.unjudgedNotifications + m_counts.droppedNotifications;
    if (notJudged > 0)
        lines.append(tr("%1 not judged").arg(notJudged));
    if (m_model->droppedCount() > 0)
        lines.append(tr("%1 rows let go").arg(m_model->droppedCount()));
    m_footnote->setText(lines.join(QLatin1Char('\n')));
    m_footnote->setToolTip(
        tr("Notifications not judged, never gaps: %1 whose records the checker's Kafka tail "
           "could not read (retention deleted them first, or the check ended before), or "
           "copies of ids it forgot early at its memory cap; %2 let go at that cap (%3 ids "
           "forgotten early).\nRows let go: the table keeps the newest gaps, the counters "
           "count them all.")
            .arg(m_counts.unjudgedNotifications)
            .arg(m_counts.droppedNotifications)
            .arg(m_counts.forgottenEarly));
}

QString GapPanel::countText(gap::GapKind kind) const
{
    const QLabel *label = m_countLabels.value(int(kind));
    return label ? label->text() : QString();
}

void GapPanel::setLatency(const metrics::LatencyHistogram &latency)
{
    m_latency = latency;
    double top = 0;
    int i = 0;
    for (double p : kLatencyPercentiles) {
        const double ms = double(latency.percentile(p)) / 1000.0;
        m_latencySet->replace(i++, ms);
        top = std::max(top, ms);
    }
    const double maxMs = double(latency.max()) / 1000.0;
    m_latencySet->replace(i, maxMs);
    top = std::max(top, maxMs);
    m_latencyValueAxis->setRange(0, top > 0 ? top * 1.1 : 1);
}

void GapPanel::setReportWindow(const gap::ReportWindow &window)
{
    m_window = window;
}

void GapPanel::addRateSample(qint64 wallMs, double kafkaPerSecond, double redisPerSecond)
{
    const qint64 oldest = wallMs - kChartWindowMs;
    m_kafkaRate->append(double(wallMs), kafkaPerSecond);
    m_redisRate->append(double(wallMs), redisPerSecond);
    m_gapSeries->append(double(wallMs), double(m_gapsSinceSample));
    m_gapsSinceSample = 0;
    for (QLineSeries *series : {m_kafkaRate, m_redisRate, m_gapSeries})
        trimSeries(series, oldest);
    for (QDateTimeAxis *axis : {m_rateTimeAxis, m_gapTimeAxis})
        axis->setRange(QDateTime::fromMSecsSinceEpoch(oldest),
                       QDateTime::fromMSecsSinceEpoch(wallMs));
    m_rateValueAxis->setRange(0,
                              std::max(1.0, std::max(maxY(m_kafkaRate), maxY(m_redisRate)) * 1.1));
    m_gapValueAxis->setRange(0, std::max(1.0, maxY(m_gapSeries) * 1.1));
}

void GapPanel::setReplayProgress(qint64 done, qint64 total)
{
    // QProgressBar takes int: scale large totals down.
    const qint64 scale = std::max<qint64>(1, total / std::numeric_limits<int>::max() + 1);
    m_replayProgress->setRange(0, int(total / scale));
    m_replayProgress->setValue(int(std::min(done, total) / scale));
    m_replayProgress->setVisible(total > 0);
}

void GapPanel::clear()
{
    m_model->clear();
    m_kafkaRate->clear();
    m_redisRate->clear();
    m_gapSeries->clear();
    m_gapsSinceSample = 0;
    m_latency.reset();
    setLatency(m_latency);
    setCounts({});
    m_replayProgress->hide();
    updateReplayButton();
}

void GapPanel::setKindFilter(int kind)
{
    if (kind < 0) {
        m_proxy->setFilterRegularExpression(QRegularExpression());
    } else {
        const QString name = QString::fromLatin1(gap::kindName(gap::GapKind(kind)));
        m_proxy->setFilterRegularExpression(
            QRegularExpression(QStringLiteral("^") + name + QStringLiteral("$")));
    }
    const int at = m_kindFilter->findData(kind);
    if (at >= 0 && at != m_kindFilter->currentIndex()) {
        const QSignalBlocker blocker(m_kindFilter);
        m_kindFilter->setCurrentIndex(at);
    }
}

QList<gap::Gap> GapPanel::missingGaps() const
{
    QList<gap::Gap> result;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        if (m_model->gapAt(row).kind == gap::GapKind::Missing)
            result.append(m_model->gapAt(row));
    }
    return result;
}

void GapPanel::updateReplayButton()
{
    m_replayButton->setEnabled(m_counts.missing > 0 || !missingGaps().isEmpty());
}

void GapPanel::onActivated(const QModelIndex &proxyIndex)
{
    const QModelIndex source = m_proxy->mapToSource(proxyIndex);
    if (!source.isValid())
        return;
    const gap::Gap g = m_model->gapAt(source.row());
    if (g.partition >= 0 && g.offset >= 0)
        emit openKafkaRecord(g.partition, g.offset);
    if (hasNotification(g))
        emit selectNotification(g.id);
}

bool GapPanel::exportJson(const QString &path, QString *error) const
{
    return exportGapsJson(path, m_counts, m_latency, m_window, m_model->gaps(), error);
}

bool GapPanel::exportCsv(const QString &path, QString *error) const
{
    // What the table shows: the Kind filter holds for the rows exported.
    const int kind = m_kindFilter->currentData().toInt();
    QList<gap::Gap> shown = m_model->gaps();
    if (kind >= 0)
        shown.removeIf([kind](const gap::Gap &g) { return int(g.kind) != kind; });
    return exportGapsCsv(path, shown, error);
}

void GapPanel::chooseExportFile(bool json)
{
    // open() rather than getSaveFileName(): no nested event loop in ui/.
    auto *dialog =
        new QFileDialog(this, json ? tr("Export gaps as JSON") : tr("Export gaps as CSV"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setNameFilter(json ? tr("JSON report (*.json)") : tr("CSV (*.csv)"));
    dialog->setDefaultSuffix(json ? QStringLiteral("json") : QStringLiteral("csv"));
    const int kind = m_kindFilter->currentData().toInt();
    dialog->selectFile(
        QStringLiteral("dualscope-%1%2.%3")
            .arg(kind >= 0 && !json
                     ? QLatin1String(gap::kindName(gap::GapKind(kind))) + QLatin1Char('-')
                     : QString(),
                 QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")),
                 json ? QStringLiteral("json") : QStringLiteral("csv")));
    connect(dialog, &QFileDialog::fileSelected, this, [this, json](const QString &path) {
        QString error;
        const bool ok = json ? exportJson(path, &error) : exportCsv(path, &error);
        if (!ok) {
            auto *box = new QMessageBox(QMessageBox::Warning, tr("Export failed"), error,
                                        QMessageBox::Ok, this);
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open();
        }
    });
    dialog->open();
}

} // namespace dualscope::ui
