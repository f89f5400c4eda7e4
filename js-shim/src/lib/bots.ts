// Whether a new session comes from a bot or automation. Such sessions are
// recorded like any other but flagged (sessions.is_bot) and left out of
// analytics unless a read asks for them (include_bots).
import { isbot } from 'isbot';

/**
 * The signals, any of which flags a session: the User-Agent against isbot's
 * maintained pattern list (crawlers, headless browsers, HTTP libraries; an
 * empty one is not judged) and against the site's own patterns (substrings,
 * case-insensitive: a monitoring service or an in-house crawler isbot does not
 * know), navigator.webdriver as the tracker reports it (`webdriver: true`, set
 * by Selenium, Playwright and Puppeteer), and `bot: true`, which a site's own
 * sender or detection may add.
 */
export function flaggedAsBot(
  userAgent: string | undefined,
  body: { webdriver?: unknown; bot?: unknown },
  sitePatterns: readonly string[] = [],
): boolean {
  if (body.webdriver === true || body.bot === true || isbot(userAgent ?? '')) return true;
  const agent = (userAgent ?? '').toLowerCase();
  return agent !== '' && sitePatterns.some((p) => agent.includes(p.toLowerCase()));
}
