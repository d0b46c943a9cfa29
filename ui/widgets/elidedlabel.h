// SPDX-License-Identifier: MIT
#pragma once

#include <QLabel>

namespace dualscope::ui {

// A one-line label that never widens its window: the text is elided to the room it
// gets (the whole text in the tooltip), and its minimum width is a few characters.
// Status lines, banners and counters whose text changes all the time use it.
class ElidedLabel final : public QLabel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ElidedLabel)

public:
    // minimumCharacters: how many average characters it needs at the least.
    explicit ElidedLabel(QWidget *parent = nullptr, int minimumCharacters = 6);

    void setFullText(const QString &text);
    QString fullText() const { return m_fullText; }

    QSize minimumSizeHint() const override;
    QSize sizeHint() const override;

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void updateElided();

    QString m_fullText;
    int m_minimumCharacters;
};

} // namespace dualscope::ui
