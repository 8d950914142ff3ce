// Web Chat, talking Direct Line to the local offline-directline served from this origin.
(function () {
  'use strict';

  function userId() {
    const key = 'pricewatch.userId';
    let id = window.localStorage.getItem(key);
    if (!id) {
      id = 'user-' + Math.random().toString(36).slice(2, 10);
      window.localStorage.setItem(key, id);
    }
    return id;
  }

  // Cards whose watch changed. Direct Line cannot replace a message, so a pressed alert
  // card cannot become one that says what was done (it does on Teams and in the
  // Emulator). Instead the bot sends an event after a turn that changed watches
  // (PriceWatch.watchesChanged: each watch's id and its version now, null when removed),
  // and this page greys out the buttons of every card made at an older version: they
  // would only be told "out of date". A card's buttons name its watch, the version it was
  // made at and its alert; the attachment middleware writes those into the card's id,
  // which the Adaptive Cards renderer puts on the card's element.
  const WATCHES_CHANGED = 'PriceWatch.watchesChanged';
  const CARD_ID = /^pricewatch-w(\d+)-v(\d+)-a(\d+)$/;
  const versionNow = new Map(); // watch id -> its version now, or null once removed

  function cardIds(attachment) {
    const content = attachment && attachment.content;
    const actions = (content && Array.isArray(content.actions) && content.actions) || [];
    for (const action of actions) {
      const data = action && action.data;
      if (
        data &&
        typeof data.pricewatch === 'string' &&
        [data.watch_id, data.version, data.alert_id].every(Number.isInteger)
      ) {
        return `pricewatch-w${data.watch_id}-v${data.version}-a${data.alert_id}`;
      }
    }
    return null;
  }

  const attachmentMiddleware = () => (next) => (...args) => {
    const [{ attachment }] = args;
    const id = cardIds(attachment);
    if (!id) return next(...args);
    const content = Object.assign({}, attachment.content, { id });
    return next(Object.assign({}, args[0], { attachment: Object.assign({}, attachment, { content }) }));
  };

  function isOutOfDate(card) {
    const match = CARD_ID.exec(card.id);
    if (!match || !versionNow.has(Number(match[1]))) return false;
    const now = versionNow.get(Number(match[1]));
    return now === null || now > Number(match[2]);
  }

  function greyOutOutOfDateCards() {
    for (const card of document.querySelectorAll('.ac-adaptiveCard[id^="pricewatch-"]')) {
      if (!isOutOfDate(card)) continue;
      card.classList.add('pricewatch-out-of-date');
      for (const button of card.querySelectorAll('button')) {
        button.disabled = true;
        button.setAttribute('aria-disabled', 'true');
        button.tabIndex = -1;
      }
    }
  }

  // Cards rendered (or rendered again) after the news are greyed out as they appear.
  new MutationObserver(greyOutOutOfDateCards).observe(document.getElementById('webchat'), {
    childList: true,
    subtree: true,
  });

  const me = { id: userId(), name: 'You', role: 'user' };
  const directLine = window.WebChat.createDirectLine({
    domain: window.location.origin + '/directline',
    token: 'local', // offline-directline checks no token, but Direct Line clients need one
    webSocket: false, // offline-directline has no streaming endpoint; poll instead
  });

  // Azure's Direct Line tells the bot that the user joined; offline-directline's own
  // conversationUpdate names nobody. Say it here so the bot greets before you type.
  const store = window.WebChat.createStore({}, () => (next) => (action) => {
    if (action.type === 'DIRECT_LINE/CONNECT_FULFILLED') {
      directLine
        .postActivity({ type: 'conversationUpdate', from: me, membersAdded: [me] })
        .subscribe({ error: (error) => console.error('could not join the conversation', error) });
    }
    const activity = action.type === 'DIRECT_LINE/INCOMING_ACTIVITY' && action.payload.activity;
    if (activity && activity.type === 'event' && activity.name === WATCHES_CHANGED) {
      for (const [watchId, version] of Object.entries(activity.value || {})) {
        if (version === null || Number.isInteger(version)) versionNow.set(Number(watchId), version);
      }
      greyOutOutOfDateCards();
    }
    return next(action);
  });

  window.WebChat.renderWebChat(
    {
      directLine,
      store,
      attachmentMiddleware,
      userID: me.id,
      username: me.name,
      locale: 'en-US',
      styleOptions: {
        bubbleMaxWidth: 640,
        hideUploadButton: true, // offline-directline has no upload endpoint
        suggestedActionLayout: 'flow',
        botAvatarInitials: 'PW',
        userAvatarInitials: 'You',
      },
    },
    document.getElementById('webchat')
  );
})();
