// SPDX-License-Identifier: MIT
#include "redis/channelglob.h"

namespace dualscope::redis {

namespace {

QString regexOf(const QByteArray &pattern)
{
    QString regex = QStringLiteral("\\A");
    const QString glob = QString::fromUtf8(pattern);
    for (qsizetype i = 0; i < glob.size(); ++i) {
        const QChar c = glob[i];
        if (c == QLatin1Char('*')) {
            regex += QStringLiteral(".*");
        } else if (c == QLatin1Char('?')) {
            regex += QLatin1Char('.');
        } else if (c == QLatin1Char('\\') && i + 1 < glob.size()) {
            regex += QRegularExpression::escape(glob.mid(++i, 1));
        } else if (c == QLatin1Char('[')) {
            const qsizetype close = glob.indexOf(QLatin1Char(']'), i + 1);
            if (close < 0) {
                regex += QRegularExpression::escape(glob.mid(i));
                break;
            }
            QString set = glob.mid(i + 1, close - i - 1);
            const bool negated = set.startsWith(QLatin1Char('^'));
            if (negated)
                set.remove(0, 1);
            QString escaped;
            for (const QChar member : std::as_const(set))
                escaped += member == QLatin1Char('-') ? QString(member)
                                                      : QRegularExpression::escape(QString(member));
            regex +=
                QLatin1Char('[') + QLatin1String(negated ? "^" : "") + escaped + QLatin1Char(']');
            i = close;
        } else {
            regex += QRegularExpression::escape(QString(c));
        }
    }
    regex += QStringLiteral("\\z");
    return regex;
}

} // namespace

ChannelGlob::ChannelGlob(const QByteArray &pattern)
    : m_pattern(pattern), m_regex(regexOf(pattern), QRegularExpression::DotMatchesEverythingOption)
{
}

bool ChannelGlob::matches(QByteArrayView channel) const
{
    return m_regex.match(QString::fromUtf8(channel)).hasMatch();
}

SubscriptionMatcher::SubscriptionMatcher(const QByteArray &name, bool isPattern)
    : m_glob(name), m_isPattern(isPattern)
{
}

} // namespace dualscope::redis
