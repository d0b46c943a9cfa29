// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QPlainTextEdit;
class QComboBox;

namespace dualscope::ui {

// The log of the logging categories (dualscope.publisher, .redis, .kafka, ...).
// Lines arrive from any thread through appendLine() queued to the GUI thread;
// the view keeps a bounded number of lines. A message that repeats the one before
// it is not a new line: that line counts it ("×N, last at ...").
class LogPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogPanel)

public:
    explicit LogPanel(QWidget *parent = nullptr);

    // GUI thread. `level` is a QtMsgType.
    void appendLine(int level, const QString &category, const QString &text);
    int lineCount() const;
    // The newest line, as shown.
    QString lastLine() const;

    // Installs a Qt message handler that forwards every message to `panel` (and
    // still to stderr). Call once from main(); pass nullptr to detach.
    static void installMessageHandler(LogPanel *panel);

private:
    QPlainTextEdit *m_view = nullptr;
    QComboBox *m_minimumLevel = nullptr;
    // The newest line's message, and how many times it came in a row.
    int m_lastLevel = -1;
    QString m_lastCategory;
    QString m_lastText;
    QString m_lastFirstLine;
    int m_repeats = 0;
};

} // namespace dualscope::ui
