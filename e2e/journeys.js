#!/usr/bin/env node
// Drives Web Chat in headless Chromium through PriceWatch's user journeys, as a
// person would: type and send, click the suggested actions, read the transcript.
// e2e/run.sh starts the bot and the page first and passes their addresses in:
//   E2E_PAGE_URL, E2E_BOT_URL, ADMIN_TOKEN, E2E_ARTIFACTS (screenshots go there).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { createRequire } = require('module');

const { chromium } = createRequire(path.join(__dirname, '..', 'webchat', 'package.json'))(
  'playwright-core'
);

const CHROMIUM = '/usr/bin/chromium';
// Flags that work here as root; Playwright adds --headless itself.
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const REPLY_TIMEOUT_MS = 10_000;
const ALERT_WITHIN_MS = 10_000; // poll every 1 s, delivery every 1 s, Web Chat polls every 1 s
const HELD_CHECK_MS = 4_000;
const AFTER_DIALOG_WITHIN_MS = 5_000;

const BOT_MESSAGES = '.webchat__bubble:not(.webchat__bubble--from-user) .webchat__bubble__content';
const SEND_BOX = '[data-id="webchat-sendbox-input"]';
const SUGGESTED_ACTION = '.webchat__suggested-actions .webchat__suggested-action';
const ALERT = /^📉 Price drop/;
const CARD = '.ac-adaptiveCard';
const CARD_BUTTON = 'button.ac-pushButton';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through e2e/run.sh (make e2e)`);
  return value;
}

const config = {
  pageUrl: required('E2E_PAGE_URL'),
  botUrl: required('E2E_BOT_URL'),
  adminToken: required('ADMIN_TOKEN'),
  artifacts: required('E2E_ARTIFACTS'),
  shopUrl: required('E2E_SHOP_URL'),
};

// --- the page, as a person sees it -------------------------------------------

async function botMessages(page) {
  return page.locator(BOT_MESSAGES).allInnerTexts();
}

/** Waits for a bot message matching `pattern` among those after the first `from`. */
async function waitForBot(page, pattern, { from = 0, timeout = REPLY_TIMEOUT_MS } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const messages = await botMessages(page);
    const index = messages.findIndex((text, i) => i >= from && pattern.test(text));
    if (index >= 0) return { index, text: messages[index] };
    if (Date.now() > deadline) {
      const recent = messages.slice(Math.max(from, messages.length - 4));
      throw new Error(
        `no bot message matching ${pattern} within ${timeout / 1000} s; the bot's latest:\n` +
          recent.map((text) => `    | ${text.replace(/\n+/g, ' / ')}`).join('\n')
      );
    }
    await page.waitForTimeout(100);
  }
}

/** Types a message, sends it with Enter, and waits for the reply that matches `reply`. */
async function say(page, text, reply) {
  const from = (await botMessages(page)).length;
  await page.locator(SEND_BOX).fill(text);
  await page.locator(SEND_BOX).press('Enter');
  return waitForBot(page, reply, { from });
}

/** Clicks the suggested action titled `title`, and waits for the reply that matches `reply`. */
async function click(page, title, reply) {
  const from = (await botMessages(page)).length;
  const button = page.locator(SUGGESTED_ACTION, { hasText: title });
  await button.first().waitFor({ timeout: REPLY_TIMEOUT_MS });
  await button.first().click();
  return waitForBot(page, reply, { from });
}

/** Waits until Web Chat has scrolled its transcript to the latest message. */
async function settle(page) {
  await page.waitForFunction(
    (selector) => {
      const box = document.querySelector(selector);
      return box && box.scrollTop + box.clientHeight >= box.scrollHeight - 2;
    },
    '.webchat__basic-transcript__scrollable',
    { timeout: 5_000 }
  );
  await page.waitForTimeout(200);
}

async function screenshot(page, name) {
  await settle(page).catch(() => {}); // a screenshot that is not at the bottom is still worth having
  await page.screenshot({ path: path.join(config.artifacts, `${name}.png`) });
}

/** A screenshot of one element only (a card), for a close look. */
async function screenshotOf(locator, name) {
  await locator.scrollIntoViewIfNeeded();
  await locator.screenshot({ path: path.join(config.artifacts, `${name}.png`) });
}

/** The newest Adaptive Card that shows `text` (Web Chat renders each card as .ac-adaptiveCard). */
async function newestCard(page, text) {
  const card = page.locator(CARD, { hasText: text }).last();
  await card.waitFor({ timeout: REPLY_TIMEOUT_MS });
  return card;
}

async function cardButtons(card) {
  return card.locator(CARD_BUTTON).allInnerTexts();
}

/** Clicks the card's button titled `title` (an Action.Submit), and waits for the reply. */
async function clickCard(page, card, title, reply) {
  const from = (await botMessages(page)).length;
  const button = card.locator(CARD_BUTTON, { hasText: title });
  if ((await button.count()) !== 1) {
    throw new Error(`the card has no single "${title}" button: ${(await cardButtons(card)).join(' / ')}`);
  }
  await button.click();
  return waitForBot(page, reply, { from });
}

/** Waits until every button of the card is disabled: its watch changed since it was made. */
async function greyedOut(card, what) {
  const buttons = card.locator(CARD_BUTTON);
  const count = await buttons.count();
  expect(count > 0, `${what} has no buttons`);
  try {
    await card.locator(`${CARD_BUTTON}:disabled`).nth(count - 1).waitFor({ timeout: REPLY_TIMEOUT_MS });
  } catch (error) {
    const disabled = await card.locator(`${CARD_BUTTON}:disabled`).count();
    throw new Error(`${what}: ${disabled} of its ${count} buttons greyed out, not all`);
  }
}

/** Waits until the card's chart image has loaded from the bot; returns its pixel size. */
async function chartLoaded(card) {
  const image = card.locator('img').first();
  await image.waitFor({ timeout: REPLY_TIMEOUT_MS });
  const src = await image.getAttribute('src');
  // e2e/run.sh sets PUBLIC_URL to the bot's address, so the links must start with it.
  expect(
    (src || '').startsWith(`${config.botUrl}/api/charts/`) && /\/[\w-]+\.png$/.test(src),
    `the card's image is not a chart link under ${config.botUrl}: ${src}`
  );
  const handle = await image.elementHandle();
  await card
    .page()
    .waitForFunction((img) => img.complete && img.naturalWidth > 0, handle, { timeout: REPLY_TIMEOUT_MS })
    .catch(async () => {
      const state = await handle.evaluate((img) => `complete: ${img.complete}, naturalWidth: ${img.naturalWidth}`);
      throw new Error(`the chart ${src} did not load in the browser (${state})`);
    });
  return handle.evaluate((img) => ({
    width: img.naturalWidth,
    height: img.naturalHeight,
    shown: img.clientWidth,
    alt: img.alt,
  }));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "tomorrow 16:50", "Dec 3, 16:50" or "Jan 3 2028, 16:50" in a reply, in the reader's
 * zone (the browser's, this machine's), or in UTC when followed by " UTC": how far from
 * now it is, in hours. */
function hoursFromNow(text) {
  const m = /\b(today|tomorrow|yesterday|([A-Z][a-z]{2}) (\d{1,2})(?: (\d{4}))?,) (\d{2}):(\d{2})( UTC)?/.exec(text);
  expect(m, `no moment like "tomorrow 16:50" in: ${text}`);
  const utc = m[7] !== undefined;
  const now = new Date();
  let [year, month, day] = utc
    ? [now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()]
    : [now.getFullYear(), now.getMonth(), now.getDate()];
  if (m[2]) {
    month = MONTHS.indexOf(m[2]);
    day = Number(m[3]);
    if (m[4]) year = Number(m[4]);
  } else {
    day += { today: 0, tomorrow: 1, yesterday: -1 }[m[1]];
  }
  const at = utc
    ? Date.UTC(year, month, day, Number(m[5]), Number(m[6]))
    : new Date(year, month, day, Number(m[5]), Number(m[6])).getTime();
  return (at - Date.now()) / 3_600_000;
}

async function suggestedActions(page) {
  return page.locator(SUGGESTED_ACTION).allInnerTexts();
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

// --- the bot's admin API ------------------------------------------------------

async function admin(method, urlPath, body) {
  const response = await fetch(config.botUrl + urlPath, {
    method,
    headers: {
      Authorization: `Bearer ${config.adminToken}`,
      'Content-Type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  expect(response.ok, `${method} ${urlPath} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

const setPrice = (productId, price) => admin('PUT', `/feed/products/${productId}`, { price });
const pollAndDeliverNow = () => admin('GET', '/api/notify');

/** The stand-in shop (bench/shop.py) lowers a page's price, as a sale would. */
async function setShopPrice(pagePath, price) {
  const url = `${config.shopUrl}/admin/price?path=${encodeURIComponent(pagePath)}&price=${price}`;
  const response = await fetch(url, { method: 'PUT' });
  expect(response.ok, `the stand-in shop answered ${response.status} to a price change`);
}

// --- the journeys ---------------------------------------------------------------

const journeys = [
  {
    name: 'greeting, help, and a watch registered by clicking',
    slug: '1-greeting-help-watch',
    async run(page) {
      await page.goto(config.pageUrl);
      await waitForBot(page, /^Hi! I.m PriceWatch/, { timeout: 20_000 });
      await say(page, 'help', /Here.s what I understand/);
      await say(page, 'watch', /Which product should I watch\?/);
      const products = await suggestedActions(page);
      expect(
        products.includes('Noise-cancelling headphones'),
        `the product question offers no headphones button; it offers: ${products.join(', ')}`
      );
      await click(page, 'Noise-cancelling headphones', /\$199\.99 now\. How big a drop/);
      await click(page, '20%', /I.ll tell you when it is \$159\.99 or less.*Shall I\?/s);
      await click(page, 'Yes', /^Done! Noise-cancelling headphones is \$199\.99 now; I.ll tell you when it is \$159\.99 or less/);
      const greetings = (await botMessages(page)).filter((text) => /^Hi! I.m PriceWatch/.test(text));
      expect(greetings.length === 1, `the bot greeted ${greetings.length} times`);
    },
  },
  {
    name: 'a forced drop shows as an alert with the prices',
    slug: '2-alert',
    async run(page) {
      const from = (await botMessages(page)).length;
      const start = Date.now();
      await setPrice('p-100', 149.99);
      // Web Chat shows the message's text (the one-line summary) as a bubble, then its card.
      const alert = await waitForBot(page, ALERT, { from, timeout: ALERT_WITHIN_MS });
      const seconds = ((Date.now() - start) / 1000).toFixed(1);
      expect(
        /^📉 Price drop: Noise-cancelling headphones \$149\.99, down 25\.0%$/.test(alert.text.trim()),
        `the alert's summary does not name the product, the new price and the drop: ${alert.text}`
      );
      const card = await waitForBot(page, /\$199\.99 → \$149\.99/, { from: alert.index + 1 });
      expect(
        card.index === alert.index + 1,
        `the alert's card is not right after its summary (at ${card.index}, summary at ${alert.index})`
      );
      expect(
        /^Noise-cancelling headphones\n+\$199\.99 → \$149\.99\n+Down 25\.0% \(\$50\.00\) from \$199\.99\n+Your alert: 20% below \$199\.99/.test(card.text),
        `the alert card does not show the product, both prices, the drop and the rule: ${card.text}`
      );
      return `alert shown ${seconds} s after the price changed, with its card`;
    },
  },
  {
    name: 'the alert is a card with a chart and three buttons',
    slug: '3-alert-card',
    async run(page) {
      const card = await newestCard(page, '$199.99 → $149.99');
      const text = await card.innerText();
      for (const part of ['Noise-cancelling headphones', '$199.99 → $149.99', 'Lowest in 90 days: $149.99']) {
        expect(text.includes(part), `the card does not show "${part}": ${text}`);
      }
      const chart = await chartLoaded(card);
      expect(chart.shown >= 300, `the chart is shown only ${chart.shown} px wide`);
      expect(
        chart.alt === 'Price history of Noise-cancelling headphones',
        `the chart's alternative text is not the product's price history: ${chart.alt}`
      );
      const buttons = await cardButtons(card);
      expect(
        buttons.length === 3 &&
          ['Stop watching', 'Snooze 1 day', 'Lower my target to $119.99'].every((b) => buttons.includes(b)),
        `the alert card does not offer exactly its three buttons: ${buttons.join(' / ')}`
      );
      await screenshotOf(card, `${this.slug}-card`);
      return `chart ${chart.width}×${chart.height} px loaded from the bot, shown ${chart.shown} px wide`;
    },
  },
  {
    name: 'an alert waits while a dialog asks, and arrives when it ends',
    slug: '4-held-alert',
    async run(page) {
      await say(page, 'watch keyboard below 80', /^Done! Mechanical keyboard is \$89\.99 now; I.ll tell you when it is \$80\.00 or less/);
      await say(page, 'watch', /Which product should I watch\?/);
      await click(page, 'Espresso machine', /\$449\.00 now\. How big a drop/);
      const alertsBefore = (await botMessages(page)).filter((text) => ALERT.test(text)).length;
      const messagesBefore = (await botMessages(page)).length;

      await setPrice('p-400', 59.99);
      await pollAndDeliverNow(); // the drop is now seen and a delivery has run
      await page.waitForTimeout(HELD_CHECK_MS);
      await screenshot(page, `${this.slug}-while-asking`);
      const during = await botMessages(page);
      expect(
        during.length === messagesBefore,
        `the bot said something while its question was open: ${during.slice(messagesBefore).join(' / ')}`
      );
      expect(
        during.filter((text) => ALERT.test(text)).length === alertsBefore,
        'an alert appeared while the dialog was waiting for an answer'
      );
      expect(
        (await suggestedActions(page)).includes('30%'),
        "the drop question's buttons are gone while the dialog waits"
      );

      await click(page, '30%', /Shall I\?/);
      const start = Date.now();
      const done = await click(page, 'Yes', /^Done! Espresso machine is \$449\.00 now/);
      const alert = await waitForBot(page, ALERT, { from: done.index, timeout: AFTER_DIALOG_WITHIN_MS });
      const seconds = ((Date.now() - start) / 1000).toFixed(1);
      expect(
        /^📉 Price drop: Mechanical keyboard \$59\.99, down 33\.3%$/.test(alert.text.trim()),
        `the held alert's summary does not name the product, the new price and the drop: ${alert.text}`
      );
      expect(
        alert.index === done.index + 1,
        `the held alert is not right after the dialog's last reply (at ${alert.index}, "Done!" at ${done.index})`
      );
      const card = await newestCard(page, '$89.99 → $59.99');
      const text = await card.innerText();
      expect(
        text.includes('Mechanical keyboard') && text.includes('Down 33.3% ($30.00) from $89.99'),
        `the held alert's card does not name the product and both prices: ${text}`
      );
      return `held alert shown ${seconds} s after "Yes"`;
    },
  },
  {
    name: 'a card button mid-dialog: done, then the question again',
    slug: '5-card-mid-dialog',
    async run(page) {
      await say(page, 'watch', /Which product should I watch\?/);
      const offered = await suggestedActions(page);
      expect(offered.length > 0, 'the product question offers no buttons');
      const card = await newestCard(page, '$89.99 → $59.99');
      const from = (await botMessages(page)).length;
      const done = await clickCard(page, card, 'Snooze 1 day', /^OK, I.ve snoozed Mechanical keyboard until /);
      const hours = hoursFromNow(done.text);
      expect(hours > 23.9 && hours <= 24.1, `the snooze ends ${hours.toFixed(2)} h from now, not in 1 day: ${done.text}`);
      await greyedOut(card, 'the card whose "Snooze 1 day" was clicked');
      const again = await waitForBot(page, /^Which product should I watch\?/, { from: done.index + 1 });
      expect(
        done.index === from && again.index === done.index + 1,
        `the bot did not answer the button and then ask again: ${(await botMessages(page)).slice(from).join(' / ')}`
      );
      const reoffered = await suggestedActions(page);
      expect(
        reoffered.join('|') === offered.join('|'),
        `the question's buttons changed: before ${offered.join(', ')}; after ${reoffered.join(', ')}`
      );
      await screenshot(page, `${this.slug}-asked-again`);
      await say(page, 'cancel', /^OK, cancelled\./);
      const list = await say(page, 'list', /^Your watches:/);
      expect(
        /Mechanical keyboard[^\n]*snoozed until/.test(list.text),
        `"list" does not show the keyboard as snoozed: ${list.text}`
      );
    },
  },
  {
    name: 'the card buttons work, and a used card greys out: lower, then stop on the next card',
    slug: '6-card-buttons',
    async run(page) {
      const from = (await botMessages(page)).length;
      const card = await newestCard(page, '$199.99 → $149.99');
      await clickCard(page, card, 'Lower my target', /^OK, I.ll tell you when Noise-cancelling headphones is \$119\.99 or less\.$/);
      // Direct Line cannot replace the card: the page greys out its buttons instead.
      await greyedOut(card, 'the card whose "Lower my target" was clicked');
      const list = await say(page, 'list', /^Your watches:/);
      expect(
        /Noise-cancelling headphones[^\n]*alert at \$119\.99 or less/.test(list.text),
        `"list" does not show the lowered target: ${list.text}`
      );
      await setPrice('p-100', 99.99);
      await waitForBot(page, ALERT, { from: list.index + 1, timeout: ALERT_WITHIN_MS });
      const next = await newestCard(page, '$149.99 → $99.99');
      expect(
        (await next.locator(`${CARD_BUTTON}:disabled`).count()) === 0,
        'the new alert\'s card came greyed out: it is made at the watch\'s new version'
      );
      await clickCard(page, next, 'Stop watching', /^OK, I.ve stopped watching Noise-cancelling headphones\./);
      await greyedOut(next, 'the card whose "Stop watching" was clicked');
      await screenshot(page, `${this.slug}-stopped`);
      const errors = (await botMessages(page)).slice(from).filter((text) => /error|went wrong|sorry/i.test(text));
      expect(errors.length === 0, `the bot answered with an error: ${errors.join(' / ')}`);
      return 'both used cards greyed out; the second card\'s buttons worked until then';
    },
  },
  {
    name: 'list and remove through the UI',
    slug: '7-list-remove',
    async run(page) {
      const list = await say(page, 'list', /^Your watches:/);
      for (const name of ['Mechanical keyboard', 'Espresso machine']) {
        expect(list.text.includes(name), `"list" does not show ${name}: ${list.text}`);
      }
      expect(
        !list.text.includes('Noise-cancelling headphones'),
        `the watch stopped from its card is still listed: ${list.text}`
      );
      await say(page, 'remove', /Which watch should I remove\?/);
      const choices = await suggestedActions(page);
      expect(choices.length === 2, `"remove" offers ${choices.length} watches: ${choices.join(', ')}`);
      await click(page, 'Espresso machine', /^OK, I.ve stopped watching Espresso machine\./);
      const after = await say(page, 'list', /^Your watches:/);
      expect(!after.text.includes('Espresso machine'), `the removed watch is still listed: ${after.text}`);
      expect(after.text.includes('Mechanical keyboard'), `the other watch is missing: ${after.text}`);
    },
  },
  {
    name: 'history: the chart with the lowest, average and highest price',
    slug: '8-history',
    async run(page) {
      // The message's text (the figures, for clients without cards) and then the card.
      await say(page, 'history keyboard', /^Mechanical keyboard, (the last 90 days|since .+):/);
      const card = await newestCard(page, 'Highest');
      const text = await card.innerText();
      for (const part of ['Mechanical keyboard', 'Now', '$59.99', 'Lowest', 'Average', 'Highest', '$89.99']) {
        expect(text.includes(part), `the history card does not show "${part}": ${text}`);
      }
      expect(
        /Lowest\s*\$59\.99/.test(text) && /Highest\s*\$89\.99/.test(text) && /Average\s*\$\d+\.\d\d/.test(text),
        `the history card's figures are not min $59.99, an average and max $89.99: ${text}`
      );
      const chart = await chartLoaded(card);
      expect(chart.alt === 'Price chart of Mechanical keyboard', `the chart's alternative text: ${chart.alt}`);
      await screenshotOf(card, `${this.slug}-card`);
      return `chart ${chart.width}×${chart.height} px loaded`;
    },
  },
  {
    name: 'commands by chat: pause, resume, quiet hours, why, bought',
    slug: '9-commands',
    async run(page) {
      // The keyboard was snoozed from its card (journey 6): the pause replaces the snooze, and says so.
      await say(page, 'pause all', /^OK, I.ve paused Mechanical keyboard \(instead of snoozed until [^)]+\) until you say .resume/);
      const paused = await say(page, 'list', /^Your watches:/);
      expect(/Mechanical keyboard[^\n]*paused by you/.test(paused.text), `"list" does not show it paused: ${paused.text}`);
      await say(page, 'resume all', /^OK, I.ve resumed (all \d+ of your watches|Mechanical keyboard) and I.ll alert you as usual\./);
      const resumed = await say(page, 'list', /^Your watches:/);
      expect(!/paused by you/.test(resumed.text), `"list" still shows it paused: ${resumed.text}`);

      // Web Chat sends the browser's zone as localTimezone; without one the bot says UTC.
      const quiet = await say(page, 'quiet 22:00-07:00', /^Quiet hours are 22:00-07:00 \(/);
      expect(
        /^Quiet hours are 22:00-07:00 \((UTC|Etc\/UTC|[A-Z][A-Za-z_]+\/[A-Za-z_\/+-]+|in UTC; say "timezone Europe\/Berlin" to change)\)\. Alerts that come in then wait for 07:00 and arrive together\./.test(quiet.text),
        `the quiet hours confirmation names no time zone: ${quiet.text}`
      );
      await say(page, 'quiet', /^Quiet hours are 22:00-07:00 .*Say .quiet off. to end them\./);
      await say(page, 'quiet off', /^Quiet hours are off\. No alerts were waiting\./);

      const why = await say(page, 'why keyboard', /^You.re watching Mechanical keyboard for \$80\.00 or less\./);
      expect(
        /\$59\.99, at or below your \$80\.00 trigger: alert made/.test(why.text),
        `"why" does not tell the drop below the trigger and the alert it made: ${why.text}`
      );
      expect(/held: a dialog with me was open/.test(why.text), `"why" does not tell that the alert was held: ${why.text}`);
      expect(/alert sent/.test(why.text), `"why" does not tell that the alert was sent: ${why.text}`);

      const bought = await say(page, 'bought espresso machine at 500', /^OK: until /);
      expect(
        /^OK: until [A-Za-z0-9 ,:]+? I.ll tell you if Espresso machine gets cheaper than the \$500\.00 you paid \(price protection\)\. It is \$449\.00 already: you may be able to claim \$51\.00 back\./.test(bought.text),
        `"bought" does not confirm price protection: ${bought.text}`
      );
      const days = hoursFromNow(bought.text) / 24;
      expect(days > 29.9 && days < 30.1, `price protection runs ${days.toFixed(2)} days, not 30: ${bought.text}`);
      const list = await say(page, 'list', /^Your watches:/);
      expect(
        /Espresso machine[^\n]*price protection until [^\n]*you paid \$500\.00/.test(list.text),
        `"list" does not show the price protection: ${list.text}`
      );
      return `time zone in the quiet reply: ${/\(([^)]*)\)/.exec(quiet.text)[1]}`;
    },
  },
  {
    name: 'a pasted shop link: its price read, a watch, the shop lowers it, the card',
    slug: '10-shop-page',
    async run(page) {
      await say(
        page,
        `watch ${config.shopUrl}/item/kettle 20%`,
        /^Done! Acme kettle is €49\.99 now; I.ll tell you when it is €39\.99 or less \(a 20% drop\)\./
      );
      const from = (await botMessages(page)).length;
      await setShopPrice('/item/kettle', '34.99');
      await pollAndDeliverNow(); // reads every watched page, polls, delivers
      const alert = await waitForBot(page, ALERT, { from, timeout: ALERT_WITHIN_MS });
      expect(
        /^📉 Price drop: Acme kettle €34\.99, down 30\.0%$/.test(alert.text.trim()),
        `the shop page's alert does not name the product, its new price in euros and the drop: ${alert.text}`
      );
      const card = await waitForBot(page, /€49\.99 → €34\.99/, { from: alert.index + 1 });
      expect(/^Acme kettle\n/.test(card.text), `the card does not name the product first: ${card.text}`);
      return 'the shop page became a watch and its drop a card';
    },
  },
  {
    name: 'a question interrupted by list: answered, then the question again',
    slug: '11-interrupted-question',
    async run(page) {
      const question = /^I couldn.t find .headphones 20.\. Which product\?/; // Web Chat curls the quotes
      const asked = await say(page, 'watch headphones 20', question);
      const offered = await suggestedActions(page);
      expect(offered.includes('Noise-cancelling headphones'), `the question offers: ${offered.join(', ')}`);
      const list = await say(page, 'list', /^Your watches:/);
      expect(list.text.includes('Mechanical keyboard'), `"list" mid-question does not list: ${list.text}`);
      const again = await waitForBot(page, question, { from: list.index + 1 });
      expect(again.index > asked.index, 'the question was not asked again after the list');
      const reoffered = await suggestedActions(page);
      expect(
        reoffered.join('|') === offered.join('|'),
        `the question's buttons changed: before ${offered.join(', ')}; after ${reoffered.join(', ')}`
      );
      await click(page, 'Noise-cancelling headphones', /\$\d+\.\d\d now\. How big a drop/);
      await say(page, 'cancel', /^OK, cancelled\./);
      const after = await say(page, 'list', /^Your watches:/);
      expect(!after.text.includes('Noise-cancelling headphones'), `the cancelled watch was made: ${after.text}`);
    },
  },
];

// --- the runner -------------------------------------------------------------------

async function main() {
  fs.mkdirSync(config.artifacts, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pricewatch-e2e-chromium-'));
  const results = [];
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1000, height: 1100 },
    });
    const page = context.pages()[0] || (await context.newPage());
    page.on('pageerror', (error) => console.error(`  page error: ${error.message}`));

    let blocked = null;
    for (const journey of journeys) {
      const label = `${journey.slug}: ${journey.name}`;
      if (blocked) {
        results.push(false);
        console.log(`✘ ${label}\n    not run: ${blocked} failed`);
        continue;
      }
      const start = Date.now();
      try {
        const note = await journey.run(page);
        results.push(true);
        const took = ((Date.now() - start) / 1000).toFixed(1);
        console.log(`✔ ${label} (${took} s${note ? `; ${note}` : ''})`);
      } catch (error) {
        results.push(false);
        blocked = journey.slug;
        console.log(`✘ ${label}\n    ${error.message}`);
      }
      await screenshot(page, journey.slug);
    }
    const transcript = await page.$$eval('.webchat__bubble', (bubbles) =>
      bubbles.map((b) => (b.matches('.webchat__bubble--from-user') ? 'you: ' : 'bot: ') + b.innerText)
    );
    fs.writeFileSync(path.join(config.artifacts, 'transcript.txt'), transcript.join('\n') + '\n');
  } catch (error) {
    console.log(`✘ the browser could not run the journeys: ${error.message}`);
  } finally {
    if (context) await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  const passed = results.filter(Boolean).length;
  const failed = journeys.length - passed;
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  }
);
