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
      const alert = await waitForBot(page, ALERT, { from, timeout: ALERT_WITHIN_MS });
      const seconds = ((Date.now() - start) / 1000).toFixed(1);
      expect(
        /Noise-cancelling headphones is now \$149\.99, down [\d.]+% \(\$50\.00\) from \$199\.99/.test(alert.text),
        `the alert does not name the product and both prices: ${alert.text}`
      );
      const card = page.locator('.ac-adaptiveCard', { hasText: '$199.99 → $149.99' });
      await card.last().waitFor({ timeout: REPLY_TIMEOUT_MS });
      const buttons = await card.last().locator('.ac-pushButton').allInnerTexts();
      expect(
        ['Stop watching', 'Snooze 1 day', 'Lower my target to $119.99'].every((b) => buttons.includes(b)),
        `the alert card does not offer its three buttons: ${buttons.join(' / ')}`
      );
      return `alert shown ${seconds} s after the price changed, with its card`;
    },
  },
  {
    name: 'an alert waits while a dialog asks, and arrives when it ends',
    slug: '3-held-alert',
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
        /Mechanical keyboard is now \$59\.99, down [\d.]+% \(\$30\.00\) from \$89\.99/.test(alert.text),
        `the held alert does not name the product and both prices: ${alert.text}`
      );
      expect(
        alert.index === done.index + 1,
        `the held alert is not right after the dialog's last reply (at ${alert.index}, "Done!" at ${done.index})`
      );
      return `held alert shown ${seconds} s after "Yes"`;
    },
  },
  {
    name: 'list and remove through the UI',
    slug: '4-list-remove',
    async run(page) {
      const list = await say(page, 'list', /^Your watches:/);
      for (const name of ['Noise-cancelling headphones', 'Mechanical keyboard', 'Espresso machine']) {
        expect(list.text.includes(name), `"list" does not show ${name}: ${list.text}`);
      }
      await say(page, 'remove', /Which watch should I remove\?/);
      const choices = await suggestedActions(page);
      expect(choices.length === 3, `"remove" offers ${choices.length} watches: ${choices.join(', ')}`);
      await click(page, 'Noise-cancelling headphones', /^OK, I.ve stopped watching Noise-cancelling headphones\./);
      const after = await say(page, 'list', /^Your watches:/);
      expect(!after.text.includes('Noise-cancelling headphones'), `the removed watch is still listed: ${after.text}`);
      expect(
        after.text.includes('Mechanical keyboard') && after.text.includes('Espresso machine'),
        `the other watches are missing: ${after.text}`
      );
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
