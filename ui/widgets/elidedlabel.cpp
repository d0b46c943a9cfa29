// SPDX-License-Identifier: MIT
#include "widgets/elidedlabel.h"

#include <QResizeEvent>

namespace dualscope::ui {

ElidedLabel::ElidedLabel(QWidget *parent, int minimumCharacters)
    : QLabel(parent), m_minimumCharacters(minimumCharacters)
{
    setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    setWordWrap(false);
}

void ElidedLabel::setFullText(const QString &text)
{
    if (text == m_fullText)
        return;
    m_fullText = text;
    setToolTip(text);
    updateElided();
    updateGeometry();
}

QSize ElidedLabel::minimumSizeHint() const
{
    const QFontMetrics metrics(font());
    const QMargins margins = contentsMargins();
    return {metrics.averageCharWidth() * m_minimumCharacters + margins.left() + margins.right(),
            metrics.height() + margins.top() + margins.bottom()};
}

QSize ElidedLabel::sizeHint() const
{
    const QFontMetrics metrics(font());
    const QMargins margins = contentsMargins();
    return {metrics.horizontalAdvance(m_fullText) + margins.left() + margins.right(),
            metrics.height() + margins.top() + margins.bottom()};
}

void ElidedLabel::resizeEvent(QResizeEvent *event)
{
    QLabel::resizeEvent(event);
    updateElided();
}

void ElidedLabel::updateElided()
{
    const int room = contentsRect().width();
    QLabel::setText(fontMetrics().elidedText(m_fullText, Qt::ElideRight, std::max(room, 0)));
}

} // namespace dualscope::ui
