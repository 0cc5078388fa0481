#!/usr/bin/env python3
"""Writes tests/WorkflowTesting/CacheEval/questions-eval.json, the semantic-cache evaluation set of issue #14.

The sentences below were written for this set (none is copied from faq-dev.json or the sample question sets), from how
customers of a web shop ask, without reading the matcher's rules. Each item names the article (= intent) that answers it,
or None when no article answers it on its own (out of scope, or a follow-up that needs the conversation before it).

The split into a tuning part and a sealed part is made once, here, with a fixed seed, stratified by language, category and
intent; the JSON file stores it per item, and tests/WorkflowEngine.Tests pins the counts. Do not re-run this script to
"refresh" the split after editing items: add new items to the JSON with an explicit split instead.

Usage: python3 scripts/cache-eval-questions.py  (from the repository root)
"""
import json
import random
from collections import defaultdict
from pathlib import Path

SEED = 14
OUT = Path("tests/WorkflowTesting/CacheEval/questions-eval.json")

# The warm cache: one question per article in each language, stored before any evaluated question is asked.
CANONICAL = {
    "refunds": ("When will I get my refund?", "我的退款几时到账？"),
    "returns": ("How can I return something I bought?", "怎样退回买的商品？"),
    "exchanges": ("Can I exchange an item for another size or colour?", "可以换尺码或颜色吗？"),
    "order-tracking": ("How can I track my parcel?", "怎么跟踪我的包裹？"),
    "delivery-times": ("How long will my delivery take?", "配送需要几天？"),
    "shipping-costs": ("What are the shipping costs?", "运费怎么算？"),
    "international-shipping": ("Do you deliver to other countries?", "你们配送到其他国家吗？"),
    "cancel-order": ("Can I cancel an order I placed?", "下了的订单可以取消吗？"),
    "change-address": ("How do I change the delivery address of an order?", "怎么修改订单的收货地址？"),
    "payment-methods": ("What payment methods can I use?", "可以用哪些方式付款？"),
    "login-problems": ("I can't sign in to my account", "我登录不了账户"),
    "create-account": ("How do I open a customer account?", "怎么开通客户账户？"),
    "delete-account": ("How can I delete my customer account?", "怎么删除客户账户？"),
    "gift-cards": ("How do gift cards work?", "礼品卡怎么使用？"),
    "discount-codes": ("How do I apply a discount code?", "优惠码怎么使用？"),
    "damaged-items": ("What should I do if my order arrived damaged?", "收到的商品损坏了怎么办？"),
    "warranty": ("How does the warranty work?", "保修包括哪些？"),
    "contact-hours": ("What are your customer service hours?", "客服的工作时间是什么？"),
    "invoices": ("Where can I find the invoice for my order?", "订单发票在哪里找？"),
    "price-drop": ("Do you refund the price difference when an item gets cheaper?", "商品降价了能退差价吗？"),
}

# In-scope paraphrases: different register, length, typos; questions and statements.
PARAPHRASES_EN = {
    "refunds": [
        "when will i see the money back on my card",
        "Still waiting on my refund, how long does it usually take?",
        "refund status?",
        "I sent the parcel back two weeks ago and haven't been reimbursed yet",
        "Do I get the shipping fee back too when I'm refunded?",
        "how do i get my mony back",
        "Where does the refund go, to my PayPal or to my card?",
        "Could you tell me how long a refund takes to process once you have received the return?",
        "no refund yet, what's going on",
    ],
    "returns": [
        "how do I send something back",
        "I'd like to return a jacket I bought last week",
        "can i retrun opened makeup",
        "What's your return policy?",
        "do I have to pay for the return label",
        "Where do I drop off my return parcel?",
        "How many days do I have to send an item back?",
        "Bought the wrong thing, want to give it back",
        "Do the tags have to still be on for a return?",
    ],
    "exchanges": [
        "the shoes are too small, can I get a bigger size",
        "I want the same dress in blue instead",
        "swap for a different size pls",
        "Is exchanging a shirt for another size free of charge?",
        "How do I do an exchange?",
        "Ordered a medium, need a large",
        "can i exhcange sneakers I already wore once",
        "What happens to my exchange if the size I want is sold out?",
        "I'd like to exchange my trousers for a different colour",
    ],
    "order-tracking": [
        "where's my parcel at",
        "How can I follow my package?",
        "tracking number??",
        "The tracking page hasn't changed in a week",
        "It says delivered but I don't have it",
        "Where do I find the link to track my delivery",
        "my order shipped but the tracking shows nothing yet",
        "wheres my stuff",
        "Can I see where my order is right now?",
    ],
    "delivery-times": [
        "how long until my order arrives",
        "When will I get it if I order today?",
        "Do you deliver on Sundays?",
        "how many days for standard delivery",
        "If I order friday night when does it come",
        "Is next-day delivery possible?",
        "When can I expect my package to be delivered?",
        "how quickly do orders ship out",
        "Are deliveries slower around Christmas?",
    ],
    "shipping-costs": [
        "postage costs?",
        "Do I have to pay for delivery?",
        "what do you charge for shipping",
        "from which order value is shipping free",
        "How much does express delivery cost?",
        "Why is there a delivery fee in my basket?",
        "shiping price",
        "Do I pay shipping for each item or once per order?",
        "Is there an extra charge to deliver a sofa?",
    ],
    "international-shipping": [
        "do you deliver to Belgium",
        "Can I order from Norway?",
        "Do you ship internationally?",
        "How long does delivery to Spain take?",
        "will I have to pay customs if I live in the UK",
        "shipping outside the country, how much",
        "which countries do you send to",
        "I live in Switzerland, can I buy from you?",
        "Do you ship to the USA?",
    ],
    "cancel-order": [
        "I want to cancel my order",
        "ordered by accident, how do I stop it",
        "can I still cancel, I ordered 20 minutes ago",
        "The cancel button isn't there anymore",
        "Please cancel order HL12345678",
        "How do I call off a purchase I just made?",
        "cancle my order",
        "Changed my mind about my order, can I cancel it before it ships?",
        "Am I too late to cancel?",
    ],
    "change-address": [
        "I put the wrong address on my order",
        "Can I update the shipping address after ordering?",
        "how to change delivery adress",
        "I moved, can you send my parcel to my new place?",
        "Need to fix a typo in the street name on my order",
        "Can the courier deliver to a different address?",
        "edit address on order",
        "Is it possible to redirect my parcel to my office?",
        "I entered my old address by mistake, please help",
    ],
    "payment-methods": [
        "paypal ok?",
        "Do you take Amex?",
        "What payment options are there?",
        "is apple pay accepted",
        "Can I pay by bank transfer?",
        "When is my card charged?",
        "Do you offer buy now pay later?",
        "which cards do you accept",
        "Can I pay later with Klarna?",
    ],
    "login-problems": [
        "I forgot my password",
        "can't sign in",
        "My account is locked after too many tries",
        "The password reset email never arrived",
        "login not working",
        "It keeps saying session expired when I log in",
        "I no longer have access to the email I signed up with",
        "how do I reset my pasword",
        "Why can't I get into my account?",
    ],
    "create-account": [
        "how do I sign up",
        "I'd like to register as a new customer",
        "Do I need an account to order?",
        "make an account",
        "Is registering free?",
        "How old do you have to be to open an account?",
        "I signed up but never got the confirmation email",
        "Can I turn my guest order into an account?",
        "Where do I create a customer account?",
    ],
    "delete-account": [
        "I want to close my account",
        "Please remove all my data",
        "How do I get rid of my account?",
        "delete my profile",
        "Can I permanently erase my customer account?",
        "What happens to my order history if I delete my account?",
        "Why can't I delete my account while a return is open?",
        "deactivate account",
        "I want you to erase my personal data (GDPR)",
    ],
    "gift-cards": [
        "how do I redeem a gift card",
        "check gift card balance",
        "How long is a gift voucher valid?",
        "Can I use my giftcard for more than one order?",
        "I lost my gift card, what now",
        "Can I get cash for my gift card?",
        "Where do I enter the gift card code?",
        "The gift card doesn't cover the full amount, can I pay the rest by card?",
        "does my gift card have an expiry date",
    ],
    "discount-codes": [
        "my promo code isn't working",
        "Where do I enter a voucher code?",
        "Can I use two discount codes at once?",
        "The code says invalid",
        "discount code not accepted at checkout",
        "I forgot to add my coupon before paying, can you apply it now?",
        "Do you have a welcome discount for new subscribers?",
        "Why does my coupon code not apply?",
        "promo code expired?",
    ],
    "damaged-items": [
        "my package arrived broken",
        "The vase was smashed when I opened the box",
        "This isn't what I ordered, you sent the wrong thing",
        "item damaged in transit",
        "What do I do if something arrives cracked?",
        "Received a different item than I ordered",
        "the box was crushed and the lamp inside is broken",
        "Do I have to send back the broken glass?",
        "dammaged item, want replacement",
    ],
    "warranty": [
        "how many years is the guarantee",
        "My kettle stopped heating after 8 months",
        "Is there a guarantee on electronics?",
        "The zip broke on my bag, is that covered?",
        "How do I make a warranty claim?",
        "Does the warranty cover water damage?",
        "what's covered under guarantee",
        "My headphones stopped working, they're a year old",
        "Do your own-brand appliances have a longer warranty?",
    ],
    "contact-hours": [
        "when are you open",
        "What's your phone number?",
        "Are you open on Saturday?",
        "How can I reach customer service?",
        "Is live chat available on Sundays?",
        "what time does support close",
        "customer service hours",
        "How quickly do you answer emails?",
        "Can I call you in the evening?",
    ],
    "invoices": [
        "where can I download my invoice",
        "I need a VAT invoice for my company",
        "Can I get a receipt for my order?",
        "invoice pdf",
        "My invoice has the wrong billing address",
        "Can you put my company name on the invoice?",
        "I didn't get an invoice with my order",
        "How do I get a bill for my purchase?",
        "can you reissue the invoice to another company",
    ],
    "price-drop": [
        "The price went down right after I bought it",
        "Do you give back the difference if something gets cheaper?",
        "price protection?",
        "I paid 80 and now it's 60, can I get the difference back?",
        "Do you have a price drop guarantee?",
        "It's on sale now, a week after my order",
        "Can I claim the lower price?",
        "how do I get the price difference refunded",
        "Something I bought 5 days ago is cheaper today",
    ],
}

PARAPHRASES_ZH = {
    "refunds": ["退款什么时候到账啊", "我退回去的东西钱还没退给我"],
    "returns": ["我想把买的外套退了", "退货怎么操作"],
    "exchanges": ["鞋子小了能换大一码吗", "想换个颜色可以吗"],
    "order-tracking": ["我的包裹到哪了", "快递单号在哪里查"],
    "delivery-times": ["下单后多久能收到", "周日送货吗"],
    "shipping-costs": ["运费多少钱", "满多少包邮"],
    "international-shipping": ["能寄到国外吗", "你们发货到瑞士吗"],
    "cancel-order": ["我想取消订单", "刚下的单能撤销吗"],
    "change-address": ["收货地址填错了怎么改", "下单后还能改地址吗"],
    "payment-methods": ["能用PayPal支付吗", "支持哪些支付方式"],
    "login-problems": ["忘记密码了怎么办", "登录不上去"],
    "create-account": ["怎么注册账号", "不注册能下单吗"],
    "delete-account": ["我要注销账号", "怎么把我的账户删掉"],
    "gift-cards": ["礼品卡怎么用", "礼品卡余额怎么查"],
    "discount-codes": ["优惠码用不了", "优惠券在哪里输入"],
    "damaged-items": ["收到的东西坏了", "收到的不是我订的商品"],
    "warranty": ["保修期多久", "水壶坏了能保修吗"],
    "contact-hours": ["客服几点开始上班", "周六有客服吗"],
    "invoices": ["怎么申请开发票", "在哪儿能下载发票"],
    "price-drop": ["买完就降价了能退差价吗", "降价了可以补差价吗"],
}

# Adversarial items: (text, intent or None). Categories:
#   same-verb-other-object   the verb of a cached question with another object ("cancel" an account, not an order)
#   same-object-other-verb   the object of a cached question with another action ("buy" a gift card, not "use" one)
#   amount-condition         a number, amount, time limit or condition that decides the answer or the article
#   near-topic-out-of-scope  sounds like a shop article but no article answers it
#   negation                 "not", "don't", "never" change what is asked
#   follow-up                only makes sense after an earlier turn; never to be served from a standalone question
#   off-topic                nothing to do with the shop
ADVERSARIAL_EN = {
    "same-verb-other-object": [
        ("How do I cancel my account?", "delete-account"),
        ("cancel my newsletter subscription", "delete-account"),
        ("Can I cancel a return I already started?", None),
        ("How do I cancel an e-gift card I scheduled for my sister?", None),
        ("Can I cancel my Klarna payment plan?", None),
        ("How do I change my password?", "login-problems"),
        ("Can I change the payment method on my order?", None),
        ("Can I change my delivery date?", None),
        ("Can I change the name on my account?", None),
        ("Can I change the company name on an invoice after it shipped?", "invoices"),
        ("How do I track my refund?", "refunds"),
        ("Can I exchange a gift card for cash?", "gift-cards"),
        ("Can I exchange my laptop for a different model?", "exchanges"),
        ("How do I return a damaged item?", "damaged-items"),
        ("How do I return a kettle that broke after six months?", "warranty"),
        ("How much does a gift card cost?", "gift-cards"),
        ("How long does an exchange take?", "exchanges"),
        ("How long does a warranty repair take?", "warranty"),
        ("How long does it take you to reply to an email?", "contact-hours"),
        ("How long is the password reset link valid?", "login-problems"),
        ("How long do I have to report a broken item?", "damaged-items"),
        ("Where do I enter my gift card number?", "gift-cards"),
        ("How do I delete an item from my basket?", None),
        ("How do I create an invoice for my company?", "invoices"),
        ("How do I get a discount?", "discount-codes"),
        ("How do I get a replacement for a smashed mug?", "damaged-items"),
        ("How do I get a new PIN for my gift card?", None),
        ("Can I delete my wishlist without deleting my account?", None),
        ("Will you pay back the postage as well when I get a refund?", "refunds"),
        ("Can I track my return parcel?", None),
    ],
    "same-object-other-verb": [
        ("Can I buy a gift card?", "gift-cards"),
        ("Can I send a gift card to a friend by email on her birthday?", "gift-cards"),
        ("Can I top up my gift card?", None),
        ("Can I transfer my gift card balance to someone else?", None),
        ("How do I pay for my order?", "payment-methods"),
        ("How do I return my order?", "returns"),
        ("Can I refuse the parcel when the courier comes?", "cancel-order"),
        ("Who pays for the return shipping?", "returns"),
        ("I want to reactivate my deleted account", None),
        ("How do I confirm my email for a new account?", "create-account"),
        ("Can I merge two accounts?", None),
        ("Can I share my account with my partner?", None),
        ("How do I log out?", None),
        ("Can I share my discount code with a friend?", None),
        ("How do I get a discount code?", "discount-codes"),
        ("Can I repair the item myself and keep the warranty?", "warranty"),
        ("Can I buy an extended warranty?", None),
        ("Can I pick up my parcel myself at your warehouse?", None),
        ("How do I print my return label?", "returns"),
        ("Can I correct the billing address on my invoice?", "invoices"),
        ("Can I save a second address for future orders?", "change-address"),
        ("Can I split the payment between two cards?", None),
        ("Can I download all my invoices at once as one file?", None),
        ("Can I gift my order to someone and hide the price?", None),
        ("Can I sell my gift card back to you?", "gift-cards"),
    ],
    "amount-condition": [
        ("Is shipping free if my order is 45 euros?", "shipping-costs"),
        ("Is delivery abroad free over 120 euros?", "international-shipping"),
        ("Is there a minimum order value for discount codes?", "discount-codes"),
        ("What is the minimum amount to pay with Klarna?", "payment-methods"),
        ("Can I pay with Klarna for a 2,000 euro order?", "payment-methods"),
        ("What's the highest value a gift card can have?", "gift-cards"),
        ("Can I buy a gift card for 5 euros?", "gift-cards"),
        ("Do I get free express if I spend more than 50?", "shipping-costs"),
        ("Do I get a refund if the price drops by 2 euros after 20 days?", "price-drop"),
        ("Price went down 3 weeks after my order, can I still claim?", "price-drop"),
        ("Can I return something after 35 days?", "returns"),
        ("I got my parcel 40 days ago, can I still exchange the shoes?", "exchanges"),
        ("It's been 20 days since delivery, can I still report the broken plate?", "damaged-items"),
        ("My blender broke after 2.5 years, is it still under warranty?", "warranty"),
        ("Is the 10% welcome discount valid on orders under 20 euros?", "discount-codes"),
        ("Do you charge extra for orders over 30 kg?", "shipping-costs"),
        ("Is the 25 euro furniture fee charged per item?", "shipping-costs"),
        ("If I pay by bank transfer, how many days do I have to pay?", "payment-methods"),
        ("I ordered 70 minutes ago, can I still cancel?", "cancel-order"),
        ("I ordered 2 hours ago, can I still change the address?", "change-address"),
        ("Is the reset link still valid after 3 hours?", "login-problems"),
        ("The tracking hasn't moved for 3 days, should I contact you?", "order-tracking"),
        ("I'm 15, can I make an account?", "create-account"),
        ("Do you keep my invoices for 10 years after I close my account?", "delete-account"),
        ("My order to Austria is 130 euros, do I pay shipping?", "international-shipping"),
        ("Is there a fee to redirect my parcel?", "change-address"),
        ("If I order at 3 pm does it still leave today?", "delivery-times"),
        ("Can I use a 10 euro gift card on a 60 euro order?", "gift-cards"),
        ("How much is the return label from Switzerland?", "international-shipping"),
        ("Is the refund for a 500 euro order paid in instalments?", None),
    ],
    "near-topic-out-of-scope": [
        ("Do you offer gift wrapping?", None),
        ("Do you have a physical store I can visit?", None),
        ("Can I pick up my order in a store?", None),
        ("Do you sell refurbished laptops?", None),
        ("Is there a loyalty points programme?", None),
        ("Do you offer a student discount?", None),
        ("Can I book a delivery time slot?", None),
        ("Are your T-shirts made from organic cotton?", None),
        ("Do your shoes run small, which size should I order?", None),
        ("Do you have a mobile app?", None),
        ("Can I place an order by phone?", None),
        ("Do you have any job openings?", None),
        ("Do you sell second-hand items?", None),
        ("Can I get a paper catalogue?", None),
        ("Do you assemble the furniture you deliver?", None),
        ("When will the blue sweater be back in stock?", None),
        ("Do you have an affiliate programme?", None),
        ("How do I become a seller on your marketplace?", None),
        ("Do you sell my personal data to advertisers?", None),
        ("Which courier do you use, DHL or UPS?", None),
        ("Can I add an item to an order I already placed?", None),
        ("Can I split my order into two deliveries?", None),
        ("Do you repair items that are out of warranty for a fee?", None),
        ("Do you have gift cards for restaurants?", None),
        ("Can I rent a sofa instead of buying it?", None),
        ("Do you offer a subscription box?", None),
        ("Is your packaging recyclable?", None),
        ("Can I get a discount for buying in bulk for my company?", None),
        ("Can I reserve an item online and pay later in the shop?", None),
        ("Do you sell tickets for the summer sale event?", None),
    ],
    "negation": [
        ("I don't want to cancel my order, just change where it's delivered", "change-address"),
        ("I'm not trying to delete my account, I just can't sign in", "login-problems"),
        ("I don't want a refund, I want a bigger size", "exchanges"),
        ("Not looking for a refund, just a replacement for the cracked plate", "damaged-items"),
        ("The item isn't damaged, I just don't like it", "returns"),
        ("I didn't get the tracking email", "order-tracking"),
        ("Why hasn't my card been charged yet?", "payment-methods"),
        ("I don't have an account, can I still order?", "create-account"),
        ("I don't need an invoice, just the tracking number", "order-tracking"),
        ("The refund didn't include the delivery charge", "refunds"),
        ("I don't want to return it, the zip just broke after a month", "warranty"),
        ("It's not broken, you just sent the wrong colour", "damaged-items"),
        ("I'm not in the EU, can you still ship to me in Norway?", "international-shipping"),
        ("Can I return it if it's not in its original packaging?", "returns"),
        ("Don't you accept Mastercard?", "payment-methods"),
        ("I don't remember my password", "login-problems"),
        ("The price didn't drop, it went up. Can I still pay the old price?", None),
        ("Not the shipping cost, I mean how long shipping takes", "delivery-times"),
        ("I don't want express, how much is normal shipping?", "shipping-costs"),
        ("I'm not a business customer, do I still get an invoice?", "invoices"),
        ("I never ordered this, why was I charged?", None),
        ("My discount code is fine, it's my gift card that won't work", "gift-cards"),
    ],
    "follow-up": [
        ("and what about express?", None),
        ("How long does that take?", None),
        ("what if it's more than that?", None),
        ("And for Switzerland?", None),
        ("can I do that in the app too?", None),
        ("ok and after that?", None),
        ("what about the second one?", None),
        ("Is that free?", None),
        ("And if I already opened it?", None),
        ("same question but for shoes", None),
        ("how about PayPal?", None),
        ("And how much does it cost?", None),
        ("what if I lost it?", None),
        ("Does that apply to sale items too?", None),
        ("why?", None),
        ("ok so where do I click", None),
        ("and the other order?", None),
        ("what about in December?", None),
        ("Can you do it for me?", None),
        ("And if it arrives late?", None),
    ],
    "off-topic": [
        ("What's the weather like in Amsterdam tomorrow?", None),
        ("Tell me a joke", None),
        ("What is the capital of Portugal?", None),
        ("Can you write my homework essay?", None),
        ("Who is the best football player ever?", None),
        ("How do I cook rice?", None),
    ],
}

ADVERSARIAL_ZH = {
    "same-verb-other-object": [
        ("怎么取消账户", "delete-account"),
        ("怎么取消订阅你们的邮件", "delete-account"),
        ("已经申请的退货能取消吗", None),
        ("怎么修改密码", "login-problems"),
        ("能修改订单的付款方式吗", None),
        ("礼品卡能换成现金吗", "gift-cards"),
        ("怎么查询退款进度", "refunds"),
        ("发货后发票能改成别的公司吗", "invoices"),
        ("退货要付运费吗", "returns"),
    ],
    "same-object-other-verb": [
        ("怎么购买礼品卡", "gift-cards"),
        ("账户被锁住了", "login-problems"),
        ("已经注销的账户能恢复吗", None),
        ("怎么退出登录", None),
        ("优惠码能分享给朋友吗", None),
        ("可以花钱延长保修吗", None),
    ],
    "amount-condition": [
        ("订单45欧元包邮吗", "shipping-costs"),
        ("寄到国外满多少免运费", "international-shipping"),
        ("优惠码有最低消费吗", "discount-codes"),
        ("下单两个小时了还能取消吗", "cancel-order"),
        ("收货40天了还能退货吗", "returns"),
        ("水壶用了三年坏了还保修吗", "warranty"),
        ("Klarna 最多能付多少钱", "payment-methods"),
    ],
    "near-topic-out-of-scope": [
        ("你们有实体店吗", None),
        ("可以到店自提吗", None),
        ("有学生优惠吗", None),
        ("提供礼品包装吗", None),
        ("有会员积分吗", None),
        ("能预约送货时间吗", None),
        ("你们有手机App吗", None),
        ("这件毛衣什么时候补货", None),
        ("可以电话下单吗", None),
        ("你们招人吗", None),
    ],
    "negation": [
        ("我不想退款，想换个尺码", "exchanges"),
        ("我不是要注销账户，只是登录不了", "login-problems"),
        ("东西没坏，就是不喜欢", "returns"),
        ("没收到物流邮件", "order-tracking"),
        ("为什么还没扣款", "payment-methods"),
        ("我不想取消订单，只想改地址", "change-address"),
    ],
    "follow-up": [
        ("那快递呢？", None),
        ("要多久？", None),
        ("那瑞士呢？", None),
        ("这个免费吗？", None),
        ("那如果我已经拆开了呢？", None),
        ("那PayPal呢？", None),
        ("那要多少钱？", None),
        ("为什么？", None),
    ],
    "off-topic": [
        ("这个周末适合去爬山吗", None),
        ("给我讲个笑话", None),
    ],
}


def items():
    for intent, texts in PARAPHRASES_EN.items():
        for t in texts:
            yield {"text": t, "intent": intent, "category": "paraphrase", "language": "en"}
    for intent, texts in PARAPHRASES_ZH.items():
        for t in texts:
            yield {"text": t, "intent": intent, "category": "paraphrase", "language": "zh"}
    for lang, groups in (("en", ADVERSARIAL_EN), ("zh", ADVERSARIAL_ZH)):
        for category, pairs in groups.items():
            for t, intent in pairs:
                yield {"text": t, "intent": intent, "category": category, "language": lang}


def main():
    all_items = list(items())
    texts = [i["text"] for i in all_items]
    assert len(texts) == len(set(texts)), "duplicate sentences"
    for n, item in enumerate(all_items, 1):
        item["id"] = f"q{n:03d}"

    # Stratified by (language, category, intent): shuffle each group with the seed and deal it out alternately; which
    # split receives a group's odd item alternates from group to group, so the parts come out even.
    rng = random.Random(SEED)
    groups = defaultdict(list)
    for item in all_items:
        groups[(item["language"], item["category"], item["intent"] or "")].append(item)
    odd_to_tune = True
    for key in sorted(groups):
        members = groups[key]
        rng.shuffle(members)
        first, second = ("tune", "sealed") if odd_to_tune else ("sealed", "tune")
        for k, item in enumerate(members):
            item["split"] = first if k % 2 == 0 else second
        if len(members) % 2 == 1:
            odd_to_tune = not odd_to_tune

    doc = {
        "about": (
            "Semantic-cache evaluation set of issue #14 for the 20 shop articles (the sample knowledge base, "
            "src/WorkflowEngine/Knowledge/Sample/<intent>.md; the shared faq-kb uses the same article names). "
            "'canonical' is the warm cache (one question per article and language, stored before any item is asked); "
            "each item names the article that answers it ('intent', null when none answers it on its own: out of scope, "
            "or a follow-up that needs the conversation), its category, its language and its split. Tune on 'tune' only; "
            "'sealed' is for reporting. Written by scripts/cache-eval-questions.py (seed 14), split once."
        ),
        "seed": SEED,
        "canonical": {k: {"en": v[0], "zh": v[1]} for k, v in CANONICAL.items()},
        "items": [
            {k: item[k] for k in ("id", "text", "intent", "category", "language", "split")} for item in all_items
        ],
    }
    # One item per line, so a diff shows which sentence changed.
    head = json.dumps({k: doc[k] for k in ("about", "seed")}, ensure_ascii=False, indent=2)[:-2]
    canonical = ",\n".join(f'    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}' for k, v in doc["canonical"].items())
    lines = ",\n".join("    " + json.dumps(i, ensure_ascii=False) for i in doc["items"])
    OUT.write_text(f'{head},\n  "canonical": {{\n{canonical}\n  }},\n  "items": [\n{lines}\n  ]\n}}\n', encoding="utf-8")
    json.loads(OUT.read_text(encoding="utf-8"))
    counts = defaultdict(int)
    for item in all_items:
        counts[(item["split"], item["language"], item["category"])] += 1
    print(f"{len(all_items)} items -> {OUT}")
    for k in sorted(counts):
        print(k, counts[k])


if __name__ == "__main__":
    main()
