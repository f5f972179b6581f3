/**
 * The export side of the demo's world: the goods a Hangzhou / Qingdao zone sells abroad, the
 * factories that make them, and the routes they leave by (destinations, currencies, flights,
 * vessels, trains). Codes are customs' numeric ones (JGS-20): countries, currencies, units.
 */

/** A producer: 生产销售单位 (ownerCode / ownerName) of an export inventory. */
export interface Producer {
  code: string;
  name: string;
}
const f = (code: string, name: string): Producer => ({ code, name });
export const PRODUCERS = {
  hair: f('4110964H01', '许昌恒美发制品有限公司'),
  lashes: f('3702964L02', '青岛平度丽睫工艺品有限公司'),
  knit: f('3307964Z03', '义乌织美针织服饰有限公司'),
  bamboo: f('3305964J04', '安吉竹韵家居用品有限公司'),
  furniture: f('3305964F09', '安吉森木家具有限公司'),
  lighting: f('3302964M05', '余姚明亮照明电器有限公司'),
  tea: f('3301964C06', '杭州梅家坞茗香茶业有限公司'),
  silk: f('3301964S07', '杭州丝韵丝绸服饰有限公司'),
  plastics: f('4419964P08', '东莞壳美塑胶制品有限公司'),
} as const;

export interface ExportProduct {
  sku: string; // ≤ 20 (inventory itemNo)
  /** Enterprise item name (itemName; after the summary declaration, the rebate name). */
  name: string;
  /** Listing title on the foreign storefront (order itemDescribe). */
  describe: string;
  /** Customs name (gname) and declaration elements (gmodel, 申报要素: 品牌类型|出口享惠情况|…). */
  gname: string;
  gmodel: string;
  hs: string;
  unit: string;
  /** Legal unit; 035 ⇒ qty1 is the net weight in kg, otherwise qty1 = qty. */
  unit1: string;
  /** Second legal unit: 035 ⇒ qty2 is the net weight in kg, otherwise qty2 = qty. */
  unit2?: string;
  netG: number; // grams per unit
  grossG: number;
  /** Retail price range, yuan (B2B orders are priced at 55–70 % of it). */
  min: number;
  max: number;
  /** Quantity range of a B2B line (9710 / 9810). */
  bulk: [number, number];
  producer: Producer;
  ean: string | null; // 12 digits (check digit added with eanCheck), or null: barCode 无
}

const P = PRODUCERS;
const p = (sku: string, name: string, describe: string, gname: string, gmodel: string, hs: string, units: string, netG: number, grossG: number, price: [number, number], bulk: [number, number], producer: Producer, ean: string | null): ExportProduct => {
  const [unit, unit1, unit2] = units.split('/');
  return { sku, name, describe, gname, gmodel, hs, unit, unit1, unit2, netG, grossG, min: price[0], max: price[1], bulk, producer, ean };
};

export const EXPORT_PRODUCTS: ExportProduct[] = [
  p('HM-LF134-20ST', '巴西人发蕾丝前发假发20英寸直发', 'Brazilian Human Hair 13x4 Lace Front Wig, Straight, 20 inch, 180% Density', '人发制假发', '0|0|人发|整头假发|无品牌|13x4蕾丝前发 直发 20英寸', '6704200000', '007/035', 280, 420, [680, 1280], [5, 40], P.hair, null),
  p('HM-BOB-10BW', '人发短款波波头假发10英寸', 'Short Bob Human Hair Wig, Body Wave, 10 inch, Glueless', '人发制假发', '0|0|人发|整头假发|无品牌|波波头 水波纹 10英寸', '6704200000', '007/035', 160, 260, [320, 560], [10, 60], P.hair, null),
  p('HM-SYN-CURL26', '耐高温丝长卷发假发26英寸', 'Synthetic Long Curly Wig, Heat Resistant Fiber, 26 inch', '合成纺织材料制整头假发', '0|0|合成纤维(耐高温丝)|整头假发|无品牌|长卷发 26英寸', '6704110000', '007/035', 230, 330, [79, 159], [20, 150], P.hair, '697312045108'),
  p('LS-3DMINK-10P', '3D仿貂毛假睫毛10对装', '3D Faux Mink Lashes, Natural Fluffy, 10 Pairs', '合成纤维制假睫毛', '0|0|合成纤维|假睫毛|无品牌|3D仿貂毛 10对/盒', '6704190000', '140/035', 30, 60, [29, 59], [100, 800], P.lashes, '697305512304'),
  p('LS-HUMAN-5P', '人发手工假睫毛5对装', 'Handmade Human Hair Eyelashes, Wispy, 5 Pairs', '人发制假睫毛', '0|0|人发|假睫毛|无品牌|手工 5对/盒', '6704200000', '140/035', 20, 45, [39, 79], [100, 600], P.lashes, '697305512311'),
  p('KN-BEANIE-CB', '麻花纹针织毛线帽', 'Cable Knit Beanie Hat, Soft Acrylic, Unisex', '针织帽', '0|0|针织|100%腈纶|无品牌|麻花纹 均码', '6505009900', '007/035', 90, 120, [39, 89], [50, 500], P.knit, '697220731802'),
  p('KN-BUCKET-RIB', '罗纹针织渔夫帽', 'Ribbed Knit Bucket Hat, Cotton Blend', '针织帽', '0|0|针织|60%棉40%腈纶|无品牌|罗纹 均码', '6505009900', '007/035', 80, 110, [49, 99], [50, 400], P.knit, '697220731819'),
  p('BB-BOARD-4530', '楠竹砧板大号45x30cm', 'Organic Bamboo Cutting Board, Large 45x30 cm, Juice Groove', '竹制砧板', '0|0|竹制|切菜用|无品牌|45x30x1.8cm', '4419110000', '007/035', 1500, 1800, [59, 129], [20, 200], P.bamboo, '697441903217'),
  p('WF-NIGHTSTAND', '橡胶木单抽床头柜', 'Solid Rubberwood Nightstand with Drawer, 45x35x55 cm', '木制床头柜', '0|0|卧室用|橡胶木|无品牌|45x35x55cm 单抽屉', '9403609990', '011/011/035', 7800, 9800, [390, 690], [2, 20], P.furniture, null),
  p('WF-SHELF-3T', '实木三层置物架', 'Solid Wood 3-Tier Storage Shelf, 60x30x90 cm', '木制置物架', '0|0|家用|松木|无品牌|三层 60x30x90cm', '9403609990', '011/011/035', 4200, 5600, [199, 349], [4, 30], P.furniture, null),
  p('LD-STRIP-5M', 'RGB LED灯带5米', 'RGB LED Strip Lights 5 m, App Control, 12 V', 'LED灯带', '0|0|装饰照明|LED光源|无品牌|RGB 5米 12V', '9405421000', '007/035/007', 210, 320, [49, 109], [30, 300], P.lighting, '697586120452'),
  p('LD-NIGHT-PIR', 'LED人体感应小夜灯', 'Motion Sensor LED Night Light, Plug-in, Warm White', 'LED小夜灯', '0|0|室内照明|LED光源|无品牌|人体感应 0.5W', '9405421000', '007/035/007', 60, 95, [25, 49], [50, 500], P.lighting, '697586120469'),
  p('TE-LJ-250T', '西湖龙井绿茶250克罐装', 'West Lake Longjing Green Tea, Spring Harvest, 250 g Tin', '绿茶', '1|0|绿茶|未发酵|250克/罐|梅家坞', '0902109000', '122/035', 250, 420, [168, 398], [10, 60], P.tea, '697188802507'),
  p('SK-SQ90-PRT', '真丝印花方巾90cm', 'Mulberry Silk Square Scarf 90x90 cm, Printed', '真丝围巾', '0|0|机织|100%桑蚕丝|无品牌|90x90cm 印花', '6214100000', '015/015/035', 60, 110, [199, 459], [10, 100], P.silk, '697109916903'),
  p('PC-IP15-TPU', '透明防摔手机壳(适用iPhone 15)', 'Clear Shockproof Phone Case for iPhone 15, TPU', '塑料制手机保护壳', '0|0|TPU|手机保护用|无品牌|适用iPhone 15', '3926909090', '007/035', 35, 55, [19, 59], [100, 1000], P.plastics, '697640215008'),
];

/** A destination: 运抵国 (customs numeric code), the currency goods are sold in, and its ports. */
export interface Destination {
  country: string;
  name: string;
  currency: string;
  /** [flight, 3-digit AWB airline prefix, POD: airport] */
  air: Array<[string, string, string]>;
  /** POD of sea freight: the port's location code. */
  seaPorts: string[];
  /** POD of China–Europe rail freight, where a line serves the country. */
  railPort?: string;
}
const dst = (country: string, name: string, currency: string, air: Array<[string, string, string]>, seaPorts: string, railPort?: string): Destination => ({ country, name, currency, air, seaPorts: seaPorts.split(' '), railPort });
export const DESTINATIONS: Destination[] = [
  dst('502', '美国', '502', [['CK221', '112', 'ORD'], ['CA1041', '999', 'LAX'], ['MU7101', '781', 'JFK']], 'LAX LGB NYC'),
  dst('303', '英国', '303', [['CA937', '999', 'LHR'], ['CK251', '112', 'LHR']], 'FXT SOU'),
  dst('304', '德国', '300', [['LH8407', '020', 'FRA'], ['CA1045', '999', 'FRA']], 'HAM', 'DUI'),
  dst('305', '法国', '300', [['AF8101', '057', 'CDG'], ['MU553', '781', 'CDG']], 'LEH'),
  dst('116', '日本', '116', [['MU523', '781', 'NRT'], ['NH934', '205', 'KIX']], 'TYO OSA'),
  dst('601', '澳大利亚', '502', [['MU561', '781', 'SYD'], ['QF130', '081', 'SYD']], 'SYD MEL'),
  dst('133', '韩国', '502', [['KE886', '180', 'ICN'], ['OZ362', '988', 'ICN']], 'PUS'),
  dst('501', '加拿大', '502', [['AC026', '014', 'YVR'], ['CA991', '999', 'YVR']], 'VAN'),
];

/** Container vessels: [name, carrier bill-of-lading prefix]. */
export const VESSELS: Array<[string, string]> = [
  ['COSCO SHIPPING ARIES', 'COSU'],
  ['OOCL GERMANY', 'OOLU'],
  ['CMA CGM TROCADERO', 'CMDU'],
  ['EVER ACE', 'EGLV'],
  ['MSC TINA', 'MEDU'],
];

/** China–Europe freight trains leaving the zone's rail port (义新欧). */
export const TRAINS = ['X8020', 'X8024', 'X8032'];

/** The zone's customs (申报地海关 and, in the demo, 出口口岸). */
export const EXPORT_CUSTOMS_CODE = '2924';
