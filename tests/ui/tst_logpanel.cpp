// SPDX-License-Identifier: MIT
// The log panel: a repeated message is counted on its line, not repeated.
#include "main/logpanel.h"

#include <QTest>

using dualscope::ui::LogPanel;

class TestLogPanel final : public QObject
{
    Q_OBJECT

private slots:
    void aRepeatedMessageIsCountedOnItsLine()
    {
        // given the panel
        LogPanel panel;
        // when the same warning comes three times in a row
        for (int i = 0; i < 3; ++i)
            panel.appendLine(QtWarningMsg, QStringLiteral("dualscope.redis"),
                             QStringLiteral("cannot reach Redis"));
        // then it is one line that counts them
        QCOMPARE(panel.lineCount(), 1);
        QVERIFY2(panel.lastLine().contains(QStringLiteral("warning dualscope.redis: cannot reach "
                                                          "Redis (×3, last at ")),
                 qPrintable(panel.lastLine()));
        // when another message comes, then the same one again
        panel.appendLine(QtInfoMsg, QStringLiteral("dualscope.redis"), QStringLiteral("connected"));
        panel.appendLine(QtWarningMsg, QStringLiteral("dualscope.redis"),
                         QStringLiteral("cannot reach Redis"));
        // then only repeats in a row collapse
        QCOMPARE(panel.lineCount(), 3);
        QVERIFY(!panel.lastLine().contains(QStringLiteral("×")));
        // and a message of another category is its own line even with the same text
        panel.appendLine(QtWarningMsg, QStringLiteral("dualscope.kafka"),
                         QStringLiteral("cannot reach Redis"));
        QCOMPARE(panel.lineCount(), 4);
    }

    void linesBelowTheChosenLevelAreNotShown()
    {
        LogPanel panel;
        panel.appendLine(QtDebugMsg, QStringLiteral("dualscope.gap"), QStringLiteral("detail"));
        QCOMPARE(panel.lineCount(), 1); // the empty document's one block
        QVERIFY(panel.lastLine().isEmpty());
        panel.appendLine(QtCriticalMsg, QStringLiteral("dualscope.gap"), QStringLiteral("broken"));
        QVERIFY(panel.lastLine().contains(QLatin1String("error dualscope.gap: broken")));
    }
};

QTEST_MAIN(TestLogPanel)
#include "tst_logpanel.moc"
