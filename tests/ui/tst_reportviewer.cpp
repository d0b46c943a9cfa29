// SPDX-License-Identifier: MIT
// The merged view of check reports: a consumer group's members shown as one, from
// files or from a folder of rolling reports that change while it is open.
#include "gap/gapreport.h"
#include "gaps/gappanel.h"
#include "gaps/reportviewer.h"
#include "io/userfile.h"
#include "memberreport.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace dualscope;
using dualscope::gap::GapKind;
using dualscope::ui::ReportViewer;

namespace {

constexpr qint64 T0 = 1'795'791'845'123; // 2026-11-27T15:04:05.123Z

gap::Gap gapOf(GapKind kind, const QByteArray &id, const QByteArray &channel,
               const QByteArray &expectedChannel)
{
    return dualscope::testing::memberGap(kind, id, channel, expectedChannel, T0);
}

// One member's report as `check --group g1 --report` writes it.
QByteArray memberReport(const QString &instance, qint64 matched, const QList<gap::Gap> &gaps)
{
    gap::GapCounts counts;
    counts.matched = matched;
    for (const gap::Gap &gap : gaps)
        ++counts.of(gap.kind);
    counts.kafkaRecords = matched + counts.missing;
    counts.kafkaEvents = counts.kafkaRecords;
    metrics::LatencyHistogram latency;
    for (qint64 i = 0; i < matched; ++i)
        latency.record(5'000);
    gap::ReportWindow window;
    window.startMs = T0;
    window.endMs = T0 + 60'000;
    window.topic = "events";
    window.settings.graceMs = 2000;
    window.settings.lateMs = 1000;
    window.settings.group = QStringLiteral("g1");
    window.settings.instance = instance;
    return gap::writeJsonReport(counts, latency, window, gaps);
}

bool write(const QString &path, const QByteArray &bytes)
{
    QString error;
    const bool written = io::writeUserFile(path, bytes, &error); // write, then rename
    if (!written)
        qWarning() << error;
    return written;
}

QString matched(const ReportViewer &viewer)
{
    return viewer.gapPanel()->countText(GapKind::Matched);
}

} // namespace

class TestReportViewer final : public QObject
{
    Q_OBJECT

private slots:
    void openedFilesShowTheirMergedView()
    {
        // given two members' reports: one judged "moved" missing, the other got its
        // notification on a channel of its own partition (an orphan there)
        QTemporaryDir dir;
        const QString a = dir.filePath(QStringLiteral("m0.json"));
        const QString b = dir.filePath(QStringLiteral("m1.json"));
        QVERIFY(
            write(a, memberReport(QStringLiteral("m0"), 10,
                                  {gapOf(GapKind::Missing, "moved", {}, "events:user:alice")})));
        QVERIFY(write(
            b, memberReport(QStringLiteral("m1"), 20,
                            {gapOf(GapKind::Orphan, "moved", "events:user:alice:misrouted", {})})));
        // when both are opened
        std::unique_ptr<ReportViewer> viewer(ReportViewer::forFiles({a, b}));
        // then the panel shows the verdict one checker gives: one wrong_channel
        QCOMPARE(matched(*viewer), QStringLiteral("30"));
        QCOMPARE(viewer->gapPanel()->countText(GapKind::WrongChannel), QStringLiteral("1"));
        QCOMPARE(viewer->gapPanel()->countText(GapKind::Missing), QStringLiteral("0"));
        QCOMPARE(viewer->gapPanel()->countText(GapKind::Orphan), QStringLiteral("0"));
        QVERIFY2(viewer->headerText().contains(QLatin1String("2 reports of group g1 on topic "
                                                             "events")),
                 qPrintable(viewer->headerText()));
        QVERIFY(viewer->headerText().contains(QLatin1String("m0.json, m1.json")));
    }

    void aWatchedFolderFollowsItsRollingReports()
    {
        // given an empty folder, watched
        QTemporaryDir dir;
        std::unique_ptr<ReportViewer> viewer(ReportViewer::forFolder(dir.path()));
        QVERIFY2(viewer->headerText().contains(QLatin1String("no report")),
                 qPrintable(viewer->headerText()));
        // when the members write their rolling reports, and rewrite them
        QVERIFY(write(dir.filePath(QStringLiteral("m0.json")),
                      memberReport(QStringLiteral("m0"), 10, {})));
        QTRY_COMPARE_WITH_TIMEOUT(matched(*viewer), QStringLiteral("10"), 5000);
        QVERIFY(write(dir.filePath(QStringLiteral("m1.json")),
                      memberReport(QStringLiteral("m1"), 20, {})));
        QTRY_COMPARE_WITH_TIMEOUT(matched(*viewer), QStringLiteral("30"), 5000);
        QVERIFY(write(dir.filePath(QStringLiteral("m0.json")),
                      memberReport(QStringLiteral("m0"), 15, {})));
        // then the view follows every rewrite
        QTRY_COMPARE_WITH_TIMEOUT(matched(*viewer), QStringLiteral("35"), 5000);
        QVERIFY(viewer->headerText().contains(QLatin1String("2 reports")));
    }

    void aBrokenReportIsNamedAndTheLastViewStays()
    {
        // given a folder with one good report, shown
        QTemporaryDir dir;
        QVERIFY(write(dir.filePath(QStringLiteral("m0.json")),
                      memberReport(QStringLiteral("m0"), 10, {})));
        std::unique_ptr<ReportViewer> viewer(ReportViewer::forFolder(dir.path()));
        QCOMPARE(matched(*viewer), QStringLiteral("10"));
        // when a file that is not a report appears, and one of another topic
        QVERIFY(write(dir.filePath(QStringLiteral("broken.json")), "{\"format\":"));
        // then the header names it and the last good view stays
        QTRY_VERIFY_WITH_TIMEOUT(viewer->headerText().contains(QLatin1String("broken.json")), 5000);
        QVERIFY2(viewer->headerText().contains(QLatin1String("not merged")),
                 qPrintable(viewer->headerText()));
        QCOMPARE(matched(*viewer), QStringLiteral("10"));
        // and once it is gone the view is merged again
        QVERIFY(QFile::remove(dir.filePath(QStringLiteral("broken.json"))));
        QTRY_VERIFY_WITH_TIMEOUT(viewer->headerText().contains(QLatin1String("merged at")), 5000);
    }
};

QTEST_MAIN(TestReportViewer)
#include "tst_reportviewer.moc"
