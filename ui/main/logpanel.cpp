// SPDX-License-Identifier: MIT
#include "main/logpanel.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QMutex>
#include <QPlainTextEdit>
#include <QPointer>
#include <QTextBlock>
#include <QTextCursor>
#include <QVBoxLayout>

namespace dualscope::ui {

namespace {

// A log view is for reading recent history; older lines are on stderr too.
constexpr int kMaximumLines = 5000;

QMutex g_handlerMutex;
QPointer<LogPanel> g_panel;
QtMessageHandler g_previousHandler = nullptr;

int severity(int level)
{
    switch (level) {
    case QtDebugMsg:
        return 0;
    case QtInfoMsg:
        return 1;
    case QtWarningMsg:
        return 2;
    default:
        return 3;
    }
}

void forward(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (g_previousHandler)
        g_previousHandler(type, context, message);
    QMutexLocker locker(&g_handlerMutex);
    if (!g_panel)
        return;
    const QString category = QString::fromLatin1(context.category ? context.category : "default");
    // Queued: messages come from every thread; the panel lives on the GUI thread.
    QMetaObject::invokeMethod(
        g_panel.data(),
        [panel = g_panel, type, category, message] {
            if (panel)
                panel->appendLine(type, category, message);
        },
        Qt::QueuedConnection);
}

} // namespace

LogPanel::LogPanel(QWidget *parent)
    : QWidget(parent), m_view(new QPlainTextEdit(this)), m_minimumLevel(new QComboBox(this))
{
    m_view->setReadOnly(true);
    m_view->setMaximumBlockCount(kMaximumLines);
    m_view->setFont(QFont(QStringLiteral("monospace")));
    m_minimumLevel->addItems({tr("debug"), tr("info"), tr("warning"), tr("error")});
    m_minimumLevel->setCurrentIndex(1);
    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Show from:"), this));
    top->addWidget(m_minimumLevel);
    top->addStretch();
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_view);
}

void LogPanel::appendLine(int level, const QString &category, const QString &text)
{
    if (severity(level) < m_minimumLevel->currentIndex())
        return;
    static const char *names[] = {"debug", "info", "warning", "error"};
    const QString now = QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss.zzz"));
    if (level == m_lastLevel && category == m_lastCategory && text == m_lastText &&
        !m_view->document()->isEmpty()) {
        // The same warning every few seconds would push everything else out.
        ++m_repeats;
        QTextCursor cursor(m_view->document()->lastBlock());
        cursor.movePosition(QTextCursor::StartOfBlock);
        cursor.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);
        cursor.insertText(tr("%1 (×%2, last at %3)").arg(m_lastFirstLine).arg(m_repeats).arg(now));
        return;
    }
    m_lastLevel = level;
    m_lastCategory = category;
    m_lastText = text;
    m_repeats = 1;
    m_lastFirstLine = QStringLiteral("%1 %2 %3: %4")
                          .arg(now, QLatin1String(names[severity(level)]), category, text);
    m_view->appendPlainText(m_lastFirstLine);
}

int LogPanel::lineCount() const
{
    return m_view->document()->blockCount();
}

QString LogPanel::lastLine() const
{
    return m_view->document()->lastBlock().text();
}

void LogPanel::installMessageHandler(LogPanel *panel)
{
    QMutexLocker locker(&g_handlerMutex);
    g_panel = panel;
    if (panel && !g_previousHandler)
        g_previousHandler = qInstallMessageHandler(forward);
}

} // namespace dualscope::ui
