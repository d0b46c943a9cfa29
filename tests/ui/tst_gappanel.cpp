// SPDX-License-Identifier: MIT
#include "gap/gapreport.h"
#include "gap/gaptypes.h"
#include "gaps/gapexport.h"
#include "gaps/gappanel.h"
#include "gaps/gaptablemodel.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using dualscope::gap::Gap;
using dualscope::gap::GapCounts;
using dualscope::gap::GapKind;
using dualscope::ui::GapPanel;
using dualscope::ui::GapTableModel;

namespace {

Gap makeGap(GapKind kind, int i)
{
    Gap g;
    g.kind = kind;
    g.id = "evt-" + QByteArray::number(i);
    if (kind != GapKind::Orphan) {
        g.partition = i % 3;
        g.offset = 1000 + i;
        g.kafkaTsMs = 1'700'000'000'000 + i;
        g.expectedChannel = "events:user:octocat";
    }
    if (kind != GapKind::Missing && kind != GapKind::Unobserved) {
        g.channel = kind == GapKind::WrongChannel ? "events:user:other" : "events:user:octocat";
        g.redisTsMs = 1'700'000'000'500 + i;
    }
    g.detail = QStringLiteral("gap %1").arg(i);
    return g;
}

QList<Gap> sampleGaps()
{
    return {makeGap(GapKind::Missing, 1), makeGap(GapKind::WrongChannel, 2),
            makeGap(GapKind::Missing, 3), makeGap(GapKind::Orphan, 4),
            makeGap(GapKind::Duplicate, 5)};
}

} // namespace

class TestGapPanel : public QObject
{
    Q_OBJECT

private slots:
    void tableModelBatchesAndTrim();
    void aRevisionReplacesItsRow();
    void countersAndTable();
    void kindFilter();
    void exportJsonParsesBack();
    void exportCsvQuotes();
    void exportCsvKeepsToTheKindFilter();
    void doubleClickOpensRecordAndNotification();
    void replayMissingEmitsOnlyMissing();
    void chartsAcceptSamples();
};

void TestGapPanel::tableModelBatchesAndTrim()
{
    GapTableModel model;
    QCOMPARE(model.capacity(), 100'000);
    model.setCapacity(4);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    model.appendGaps(sampleGaps().mid(0, 3));
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(removed.size(), 0);
    model.appendGaps(sampleGaps().mid(3, 2));
    QCOMPARE(inserted.size(), 2);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(removed.at(0).at(1).toInt(), 0);
    QCOMPARE(removed.at(0).at(2).toInt(), 0);
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.droppedCount(), 1);
    QCOMPARE(model.gapAt(0), sampleGaps().at(1));
    QCOMPARE(model.index(0, GapTableModel::KindColumn).data().toString(),
             QStringLiteral("wrong_channel"));
    QVERIFY(!model.index(2, GapTableModel::PartitionColumn).data().isValid()); // orphan

    model.appendGaps(sampleGaps() + sampleGaps()); // larger than the capacity
    QCOMPARE(inserted.size(), 3);
    QCOMPARE(removed.size(), 2);
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.droppedCount(), 11);
}

void TestGapPanel::aRevisionReplacesItsRow()
{
    // given a table holding two missing events and an orphan
    GapTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    Gap first;
    first.kind = GapKind::Missing;
    first.id = "m1";
    Gap second = first;
    second.id = "m2";
    Gap orphan;
    orphan.kind = GapKind::Orphan;
    orphan.id = "o1";
    model.appendGaps({first, second, orphan});
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    // when m2's notification comes after the grace window (a late revision)
    Gap revision = second;
    revision.kind = GapKind::Late;
    revision.revises = GapKind::Missing;
    revision.detail = QStringLiteral("arrived 2500 ms after the record");
    model.appendGaps({revision});
    // then its row says late, in place: no row added, one row changed
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(inserted.size(), 0);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.first().at(0).toModelIndex().row(), 1);
    QCOMPARE(model.gapAt(1).kind, GapKind::Late);
    QCOMPARE(model.gapAt(0).kind, GapKind::Missing);
    // and a second revision of the same id is a new row (nothing left to revise)
    model.appendGaps({revision});
    QCOMPARE(model.rowCount(), 4);
}

void TestGapPanel::countersAndTable()
{
    GapPanel panel;
    QAbstractItemModelTester tester(panel.tableModel(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(panel.tableModel(), &QAbstractItemModel::rowsInserted);
    GapCounts counts;
    counts.matched = 100;
    counts.missing = 2;
    counts.wrongChannel = 1;
    panel.setCounts(counts);
    panel.appendGaps(sampleGaps());
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(panel.tableView()->model()->rowCount(), 5);
    QCOMPARE(panel.countText(GapKind::Matched), QStringLiteral("100"));
    QCOMPARE(panel.countText(GapKind::Missing), QStringLiteral("2"));
    QCOMPARE(panel.countText(GapKind::Orphan), QStringLiteral("0"));
    auto *missing = panel.findChild<QLabel *>(QStringLiteral("gapCount_missing"));
    auto *matched = panel.findChild<QLabel *>(QStringLiteral("gapCount_matched"));
    auto *orphan = panel.findChild<QLabel *>(QStringLiteral("gapCount_orphan"));
    QVERIFY(missing && matched && orphan);
    QVERIFY(missing->styleSheet().contains(QStringLiteral("color")));
    QVERIFY(!matched->styleSheet().contains(QStringLiteral("color")));
    QVERIFY(!orphan->styleSheet().contains(QStringLiteral("color")));
    // notifications the checker could not judge are said beside the counters, why in
    // the tooltip
    auto *footnote = panel.findChild<QLabel *>(QStringLiteral("gapDropped"));
    QVERIFY(footnote);
    QVERIFY(footnote->text().isEmpty());
    counts.unjudgedNotifications = 30;
    counts.droppedNotifications = 12;
    counts.forgottenEarly = 5000;
    panel.setCounts(counts);
    QCOMPARE(footnote->text(), QStringLiteral("42 not judged"));
    QVERIFY2(footnote->toolTip().contains(QStringLiteral("30 whose records")) &&
                 footnote->toolTip().contains(QStringLiteral("12 let go")) &&
                 footnote->toolTip().contains(QStringLiteral("5000 ids forgotten early")),
             qPrintable(footnote->toolTip()));

    panel.clear();
    QCOMPARE(panel.tableModel()->rowCount(), 0);
    QCOMPARE(panel.countText(GapKind::Missing), QStringLiteral("0"));
    QVERIFY(footnote->text().isEmpty());
}

void TestGapPanel::kindFilter()
{
    GapPanel panel;
    panel.appendGaps(sampleGaps());
    panel.setKindFilter(int(GapKind::Missing));
    QCOMPARE(panel.filterModel()->rowCount(), 2);
    panel.setKindFilter(int(GapKind::Orphan));
    QCOMPARE(panel.filterModel()->rowCount(), 1);
    panel.setKindFilter(-1);
    QCOMPARE(panel.filterModel()->rowCount(), 5);
}

void TestGapPanel::exportJsonParsesBack()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    GapCounts counts;
    counts.matched = 10;
    counts.missing = 2;
    counts.wrongChannel = 1;
    counts.orphan = 1;
    counts.duplicate = 1;
    counts.kafkaRecords = 13;
    counts.redisNotifications = 13;
    dualscope::metrics::LatencyHistogram latency;
    latency.record(2000);
    latency.record(4000);
    dualscope::gap::ReportWindow window;
    window.startMs = 1'700'000'000'000;
    window.endMs = 1'700'000'060'000;
    window.topic = "events";
    window.patterns = {"events:*"};

    const QString path = dir.filePath(QStringLiteral("gaps.json"));
    QString error;
    QVERIFY2(dualscope::ui::exportGapsJson(path, counts, latency, window, sampleGaps(), &error),
             qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto report = dualscope::gap::readJsonReport(file.readAll(), &error);
    QVERIFY2(report, qPrintable(error));
    QCOMPARE(report->gaps, sampleGaps());
    QCOMPARE(report->counts.missing, 2);
    QCOMPARE(report->counts.matched, 10);
    QCOMPARE(report->window.topic, QByteArray("events"));

    // The panel's own export writes what it shows
    GapPanel panel;
    panel.setCounts(counts);
    panel.setReportWindow(window);
    panel.appendGaps(sampleGaps());
    QVERIFY(panel.exportJson(dir.filePath(QStringLiteral("panel.json")), &error));
    QFile panelFile(dir.filePath(QStringLiteral("panel.json")));
    QVERIFY(panelFile.open(QIODevice::ReadOnly));
    QCOMPARE(dualscope::gap::readJsonReport(panelFile.readAll(), &error)->gaps.size(), 5);

    QVERIFY(!dualscope::ui::exportGapsJson(dir.filePath(QStringLiteral("no/such/dir/x.json")),
                                           counts, latency, window, {}, &error));
    QVERIFY(!error.isEmpty());
}

void TestGapPanel::exportCsvQuotes()
{
    QTemporaryDir dir;
    Gap tricky = makeGap(GapKind::Late, 7);
    tricky.detail = QStringLiteral("late by 1,500 ms; \"slow\"\nconsumer");
    const QList<Gap> gaps{makeGap(GapKind::Missing, 1), makeGap(GapKind::Orphan, 4), tricky};
    const QString path = dir.filePath(QStringLiteral("gaps.csv"));
    QString error;
    QVERIFY2(dualscope::ui::exportGapsCsv(path, gaps, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray csv = file.readAll();
    const QList<QByteArray> lines = csv.split('\n');
    QCOMPARE(lines.at(0),
             QByteArray("kind,id,partition,offset,channel,expected_channel,kafka_ts,redis_ts,"
                        "detail\r"));
    QCOMPARE(lines.at(1), QByteArray("missing,evt-1,1,1001,,events:user:octocat,"
                                     "2023-11-14T22:13:20.001Z,,gap 1\r"));
    QCOMPARE(lines.at(2), QByteArray("orphan,evt-4,,,events:user:octocat,,,"
                                     "2023-11-14T22:13:20.504Z,gap 4\r"));
    QVERIFY(csv.contains("\"late by 1,500 ms; \"\"slow\"\"\nconsumer\"\r\n"));
    QVERIFY(csv.endsWith("\r\n"));
    QCOMPARE(csv.count("\r\n"), 4);
}

void TestGapPanel::exportCsvKeepsToTheKindFilter()
{
    // given a panel with missing and orphan gaps, filtered to orphans
    GapPanel panel;
    panel.appendGaps(
        {makeGap(GapKind::Missing, 1), makeGap(GapKind::Orphan, 2), makeGap(GapKind::Orphan, 3)});
    panel.setKindFilter(int(GapKind::Orphan));
    // when exported as CSV
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("orphans.csv"));
    QString error;
    QVERIFY2(panel.exportCsv(path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray csv = file.readAll();
    // then only the rows shown are in it
    QCOMPARE(csv.count("\r\n"), 3);
    QVERIFY(csv.contains("orphan,evt-2"));
    QVERIFY(csv.contains("orphan,evt-3"));
    QVERIFY(!csv.contains("missing,"));
    // and with every kind shown, every row
    panel.setKindFilter(-1);
    QVERIFY(panel.exportCsv(path, &error));
    QFile all(path);
    QVERIFY(all.open(QIODevice::ReadOnly));
    QCOMPARE(all.readAll().count("\r\n"), 4);
}

void TestGapPanel::doubleClickOpensRecordAndNotification()
{
    GapPanel panel;
    panel.resize(1200, 700);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.appendGaps(sampleGaps());
    QSignalSpy open(&panel, &GapPanel::openKafkaRecord);
    QSignalSpy select(&panel, &GapPanel::selectNotification);
    QTableView *view = panel.tableView();

    const auto doubleClick = [view](int row) {
        const QRect rect = view->visualRect(view->model()->index(row, 1));
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, rect.center());
        QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, rect.center());
    };
    doubleClick(0); // missing: Kafka side only
    QCOMPARE(open.size(), 1);
    QCOMPARE(open.at(0).at(0).toInt(), 1);
    QCOMPARE(open.at(0).at(1).toLongLong(), 1001);
    QCOMPARE(select.size(), 0);

    doubleClick(1); // wrong channel: both sides
    QCOMPARE(open.size(), 2);
    QCOMPARE(open.at(1).at(1).toLongLong(), 1002);
    QCOMPARE(select.size(), 1);
    QCOMPARE(select.at(0).at(0).toByteArray(), QByteArray("evt-2"));

    doubleClick(3); // orphan: no Kafka record
    QCOMPARE(open.size(), 2);
    QCOMPARE(select.size(), 2);
}

void TestGapPanel::replayMissingEmitsOnlyMissing()
{
    GapPanel panel;
    panel.show();
    auto *button = panel.findChild<QPushButton *>(QStringLiteral("replayMissing"));
    auto *progress = panel.findChild<QProgressBar *>(QStringLiteral("replayProgress"));
    QVERIFY(button && progress);
    QVERIFY(!button->isEnabled());
    panel.appendGaps(sampleGaps());
    QVERIFY(button->isEnabled());
    QSignalSpy replay(&panel, &GapPanel::replayMissingRequested);
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(replay.size(), 1);
    const auto missing = replay.at(0).at(0).value<QList<Gap>>();
    QCOMPARE(missing.size(), 2);
    for (const Gap &g : missing)
        QCOMPARE(g.kind, GapKind::Missing);
    QCOMPARE(missing.at(1).id, QByteArray("evt-3"));

    QVERIFY(!progress->isVisible());
    panel.setReplayProgress(1, 2);
    QVERIFY(progress->isVisible());
    QCOMPARE(progress->value(), 1);
    QCOMPARE(progress->maximum(), 2);
}

void TestGapPanel::chartsAcceptSamples()
{
    GapPanel panel;
    panel.show();
    const qint64 start = 1'700'000'000'000;
    for (int i = 0; i < 400; ++i) { // past the five-minute window
        if (i % 50 == 0)
            panel.appendGaps({makeGap(GapKind::Missing, i)});
        panel.addRateSample(start + i * 1000, 1000.0 + i, 990.0 + i);
    }
    dualscope::metrics::LatencyHistogram latency;
    for (int i = 1; i <= 1000; ++i)
        latency.record(i * 100);
    panel.setLatency(latency);
    QCOMPARE(panel.tableModel()->rowCount(), 8);
}

QTEST_MAIN(TestGapPanel)
#include "tst_gappanel.moc"
