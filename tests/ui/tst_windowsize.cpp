// SPDX-License-Identifier: MIT
// The window fits a laptop: its minimum size is at most 1280x720, whatever the
// panels show, and text that changes never makes it grow.
#include "browser/browserpanel.h"
#include "compose/firepanel.h"
#include "gaps/gappanel.h"
#include "live/livepanel.h"
#include "main/mainwindow.h"

#include <QComboBox>
#include <QDockWidget>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace dualscope;

namespace {

// The laptop screen of the target, less nothing: every control must be reachable.
constexpr int kLaptopWidth = 1280;
constexpr int kLaptopHeight = 720;

QString sizeText(const QSize &size)
{
    return QStringLiteral("%1x%2").arg(size.width()).arg(size.height());
}

} // namespace

class TestWindowSize final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_settingsDir;

private slots:
    void initTestCase()
    {
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
        QCoreApplication::setOrganizationName(QStringLiteral("DualscopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_windowsize"));
    }

    void minimumFitsALaptop()
    {
        // given the window as it first opens, in the sandbox with its banner
        ui::MainWindow window;
        window.enableSandbox(QStringLiteral("Sandbox: Kafka mock cluster of 3 brokers at "
                                            "127.0.0.1:40001,127.0.0.1:40002,127.0.0.1:40003, "
                                            "topic 'events' with 6 partitions (replication 3), "
                                            "in memory, keeping about the last 5 MB of each "
                                            "partition; redis-server on redis://127.0.0.1:40004 "
                                            "without persistence."),
                             3);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        // then its minimum size fits 1280x720, each panel's too
        const QSize minimum = window.minimumSizeHint().expandedTo(window.minimumSize());
        for (QWidget *panel : std::initializer_list<QWidget *>{
                 window.livePanel(), window.browserPanel(), window.gapPanel(), window.firePanel()})
            qInfo("%s minimum %s", qPrintable(panel->objectName()),
                  qPrintable(sizeText(panel->minimumSizeHint())));
        QVERIFY2(minimum.width() <= kLaptopWidth && minimum.height() <= kLaptopHeight,
                 qPrintable(sizeText(minimum)));
        // and the window can be made that small
        window.resize(kLaptopWidth, kLaptopHeight);
        QTRY_VERIFY(window.width() <= kLaptopWidth && window.height() <= kLaptopHeight);
    }

    void changingTextNeverGrowsTheWindow()
    {
        // given the window at its minimum
        ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QSize before = window.minimumSizeHint();
        // when the browser is switched to the timestamp mode and long texts appear
        auto *anchor = window.browserPanel()->findChild<QComboBox *>(QStringLiteral("anchor"));
        QVERIFY(anchor);
        for (int i = 0; i < anchor->count(); ++i) {
            anchor->setCurrentIndex(i);
            QCoreApplication::processEvents();
        }
        gap::GapCounts large;
        for (const gap::GapKind kind : gap::kAllGapKinds)
            large.of(kind) = 123'456'789'012;
        window.gapPanel()->setCounts(large);
        QCoreApplication::processEvents();
        // then the minimum width is the same
        const QSize after = window.minimumSizeHint();
        QVERIFY2(after.width() <= before.width(),
                 qPrintable(sizeText(before) + QStringLiteral(" -> ") + sizeText(after)));
    }
};

QTEST_MAIN(TestWindowSize)
#include "tst_windowsize.moc"
